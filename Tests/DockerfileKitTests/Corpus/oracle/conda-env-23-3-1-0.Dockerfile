FROM continuumio/miniconda3:23.3.1-0
# Build the analysis environment from environment.yml
COPY environment.yml /tmp/environment.yml
RUN conda env create -f /tmp/environment.yml && \
    conda clean -afy
SHELL ["conda", "run", "-n", "analysis", "/bin/bash", "-c"]
RUN python -c "import numpy, pandas; print(numpy.__version__)"
ENV PATH=/opt/conda/envs/analysis/bin:$PATH
WORKDIR /home/researcher
RUN useradd -m -u 1001 researcher
USER researcher
ENTRYPOINT ["conda", "run", "--no-capture-output", "-n", "analysis", "python", "run.py"]
