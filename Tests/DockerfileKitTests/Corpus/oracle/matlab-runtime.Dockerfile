FROM mathworks/matlab-runtime:R2023b
ENV LD_LIBRARY_PATH=/opt/matlabruntime/R2023b/runtime/glnxa64:/opt/matlabruntime/R2023b/bin/glnxa64
COPY compiled/ /opt/model/
WORKDIR /opt/model
USER matlab
ENTRYPOINT ["./run_model.sh", "/opt/matlabruntime/R2023b"]
