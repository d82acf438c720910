FROM debian:12
ENTRYPOINT exec python3 /app/main.py
CMD --verbose
