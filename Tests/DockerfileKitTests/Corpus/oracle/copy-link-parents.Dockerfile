# syntax=docker/dockerfile:1.7-labs
FROM alpine
COPY --link --parents ./a/b/c.txt /dst/
COPY --exclude=*.pyc --chown=1000:1000 --chmod=0644 src/ /app/
ADD --keep-git-dir=true https://github.com/moby/buildkit.git#v0.12.5 /buildkit
