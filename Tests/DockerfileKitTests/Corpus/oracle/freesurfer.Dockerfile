FROM centos:7 AS base
RUN yum install -y tcsh bc libgomp perl && yum clean all
FROM base
ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://surfer.nmr.mgh.harvard.edu/pub/dist/freesurfer/7.4.1/freesurfer-7.4.1.tar.gz /tmp/fs.tgz
RUN tar -xzf /tmp/fs.tgz -C /usr/local && rm /tmp/fs.tgz
ENV FREESURFER_HOME=/usr/local/freesurfer
CMD ["recon-all", "-help"]
