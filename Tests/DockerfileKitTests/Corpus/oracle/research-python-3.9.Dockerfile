FROM python:3.9-slim
LABEL org.opencontainers.image.authors="research-team@example.ac.uk" \
      org.opencontainers.image.description="Analysis pipeline for cohort study"
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY src/ ./src/
RUN mkdir -p /safe_data /safe_outputs && chmod 777 /safe_outputs
USER 1000:1000
ENTRYPOINT ["python", "-m", "src.pipeline"]
CMD ["--input", "/safe_data", "--output", "/safe_outputs"]
