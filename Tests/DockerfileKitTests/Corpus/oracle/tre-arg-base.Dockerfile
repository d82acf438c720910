ARG REGISTRY=docker.io
ARG IMAGE=library/python
ARG TAG=3.11-slim
FROM ${REGISTRY}/${IMAGE}:${TAG} AS final
ARG TAG
RUN echo "built from ${TAG}"
WORKDIR /opt/app
COPY . .
CMD ["python", "app.py"]
