FROM rocker/tidyverse:4.3.2
ENV RENV_VERSION=1.0.3
RUN R -e "install.packages('remotes', repos = c(CRAN = 'https://cloud.r-project.org'))"
RUN R -e "remotes::install_github('rstudio/renv@v${RENV_VERSION}')"
WORKDIR /project
COPY renv.lock renv.lock
RUN R -e 'renv::restore()'
COPY . .
USER rstudio
CMD ["R", "--no-save", "-f", "main.R"]
