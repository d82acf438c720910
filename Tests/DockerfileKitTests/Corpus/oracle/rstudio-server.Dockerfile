FROM rocker/rstudio:4.3.2
ENV DISABLE_AUTH=true
RUN /rocker_scripts/install_python.sh
EXPOSE 8787
CMD ["/init"]
