FROM ubuntu:22.04
# TRE sample: inputs mounted read-only at /safe_data, outputs written to /safe_outputs
RUN mkdir /safe_data /safe_outputs /scratch
RUN apt-get update && apt-get install -y python3 python3-pandas && rm -rf /var/lib/apt/lists/*
COPY analysis.py /opt/analysis.py
USER nobody
WORKDIR /scratch
ENTRYPOINT ["python3", "/opt/analysis.py"]
