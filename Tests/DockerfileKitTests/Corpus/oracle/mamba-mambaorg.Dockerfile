ARG BASE=mambaorg/micromamba:1.5.8
FROM ${BASE}
COPY --chown=$MAMBA_USER:$MAMBA_USER env.yaml /tmp/env.yaml
RUN micromamba install -y -n base -f /tmp/env.yaml && \
    micromamba clean --all --yes
ARG MAMBA_DOCKERFILE_ACTIVATE=1
RUN python -c 'import scanpy'
WORKDIR /work
CMD ["python", "analyse.py"]
