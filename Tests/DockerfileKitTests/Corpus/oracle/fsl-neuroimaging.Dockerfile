FROM ubuntu:22.04
ENV FSLDIR=/opt/fsl \
    FSLOUTPUTTYPE=NIFTI_GZ
ENV PATH=$FSLDIR/bin:$PATH
RUN apt-get update && apt-get install -y --no-install-recommends wget python3 ca-certificates && \
    wget -q https://fsl.fmrib.ox.ac.uk/fsldownloads/fslconda/releases/fslinstaller.py && \
    python3 fslinstaller.py -d /opt/fsl --skip_registration && rm fslinstaller.py
USER 1000
ENTRYPOINT ["bash", "-lc"]
