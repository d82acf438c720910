FROM julia:1.10
ENV JULIA_PROJECT=/opt/project \
    JULIA_DEPOT_PATH=/opt/julia-depot
COPY Project.toml Manifest.toml /opt/project/
RUN julia -e 'using Pkg; Pkg.instantiate(); Pkg.precompile()'
COPY src /opt/project/src
WORKDIR /opt/project
ENTRYPOINT ["julia", "--project=/opt/project", "src/main.jl"]
