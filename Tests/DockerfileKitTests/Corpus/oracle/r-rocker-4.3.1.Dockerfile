FROM rocker/r-ver:4.3.1
RUN apt-get update && apt-get install -y --no-install-recommends \
    libxml2-dev \
    libssl-dev \
    libcurl4-openssl-dev \
  && rm -rf /var/lib/apt/lists/*
RUN install2.r --error --skipinstalled \
    tidyverse \
    data.table \
    survival \
    lme4
RUN R -e "install.packages('BiocManager', repos='https://cloud.r-project.org'); BiocManager::install('DESeq2')"
COPY analysis.R /opt/analysis/analysis.R
WORKDIR /opt/analysis
RUN mkdir /safe_data /safe_outputs
CMD ["Rscript", "analysis.R"]
