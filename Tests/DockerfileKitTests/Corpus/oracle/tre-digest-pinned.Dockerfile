FROM python:3.12-slim@sha256:2fba8e70a87bcc9f6edd20dda0a1d4adb32046d2acbca7361bc61da5a106a914
RUN pip install --no-cache-dir polars==0.20.31
COPY run.py /run.py
USER 1000
ENTRYPOINT ["python", "/run.py"]
