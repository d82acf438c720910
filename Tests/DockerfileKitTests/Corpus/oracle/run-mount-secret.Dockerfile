# syntax=docker/dockerfile:1
FROM python:3.12
RUN --mount=type=secret,id=pipconf,target=/etc/pip.conf \
    --mount=type=ssh \
    --network=none \
    pip install -r requirements.txt
RUN --mount=type=bind,from=builder,source=/out,target=/mnt cp -r /mnt /opt
