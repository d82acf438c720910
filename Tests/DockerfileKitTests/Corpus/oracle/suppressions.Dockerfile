FROM python:3.12
# tre-lint ignore=TRE105 network is allowed at build time
RUN pip install requests
# tre-lint ignore=TRE204,TRE301 sandbox has no GPU

# a blank line separates this one
USER root
