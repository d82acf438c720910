FROM centos:7
MAINTAINER Research Computing <rc@example.org>
RUN yum -y update && yum -y install epel-release && yum clean all
ADD https://example.org/software/tool-1.2.tar.gz /opt/
RUN cd /opt && tar xzf tool-1.2.tar.gz
ENV PATH /opt/tool-1.2/bin:$PATH
EXPOSE 8080
CMD /opt/tool-1.2/bin/tool --serve
