FROM pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime
ARG DEBIAN_FRONTEND=noninteractive
RUN --mount=type=cache,target=/var/cache/apt \
    apt-get update && apt-get install -y libgl1 libglib2.0-0
COPY requirements.txt /tmp/
RUN --mount=type=cache,target=/root/.cache/pip pip install -r /tmp/requirements.txt
RUN python -c "import torch; print(torch.cuda.is_available())"
WORKDIR /workspace
COPY --chmod=755 entrypoint.sh /usr/local/bin/entrypoint.sh
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["python", "train.py"]
