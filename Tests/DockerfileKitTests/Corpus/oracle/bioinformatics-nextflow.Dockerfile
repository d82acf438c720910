FROM nextflow/nextflow:23.10.1
RUN yum install -y procps && yum clean all
COPY main.nf nextflow.config /pipeline/
WORKDIR /pipeline
ENV NXF_HOME=/pipeline/.nextflow
ENTRYPOINT ["nextflow", "run", "main.nf"]
