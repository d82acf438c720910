FROM tensorflow/tensorflow:2.16.1-gpu-jupyter
RUN pip install --no-cache-dir pandas scikit-learn matplotlib seaborn
RUN mkdir -p /safe_data /safe_outputs /scratch
VOLUME ["/safe_outputs"]
WORKDIR /tf
COPY notebooks/ notebooks/
EXPOSE 8888
HEALTHCHECK --interval=30s --timeout=5s CMD curl -f http://localhost:8888/ || exit 1
CMD ["jupyter", "notebook", "--ip=0.0.0.0", "--no-browser", "--allow-root"]
