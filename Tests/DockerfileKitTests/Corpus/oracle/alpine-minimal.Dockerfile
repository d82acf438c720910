FROM alpine:3.20
RUN apk add --no-cache python3 py3-pip
COPY script.py /
CMD ["python3", "/script.py"]
