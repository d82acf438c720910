FROM rockylinux:9
LABEL description="TRE container for CES submission"
RUN dnf -y install python3.11 python3.11-pip && dnf clean all
RUN python3.11 -m pip install numpy==1.26.4 pandas==2.2.2 statsmodels==0.14.2
RUN groupadd -g 1001 tre && useradd -u 1001 -g tre -m tre
RUN mkdir -p /safe_data /safe_outputs && chown tre:tre /safe_outputs
COPY --chown=tre:tre scripts/ /home/tre/scripts/
USER tre
WORKDIR /home/tre
ENV HOME=/home/tre
CMD ["python3.11", "scripts/run_model.py"]
