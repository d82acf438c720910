ARG PYTHON_VERSION=3.11
FROM python:${PYTHON_VERSION} AS wheels
COPY requirements.txt .
RUN pip wheel --wheel-dir /wheels -r requirements.txt

FROM python:${PYTHON_VERSION}-slim
COPY --from=wheels /wheels /wheels
RUN pip install --no-index --find-links=/wheels /wheels/* && rm -rf /wheels
COPY app /app
WORKDIR /app
CMD ["python", "main.py"]
