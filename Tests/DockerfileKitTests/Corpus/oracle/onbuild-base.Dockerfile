FROM python:3.11
ONBUILD COPY requirements.txt /app/
ONBUILD RUN pip install -r /app/requirements.txt
ONBUILD COPY . /app
ONBUILD CMD ["python", "/app/main.py"]
