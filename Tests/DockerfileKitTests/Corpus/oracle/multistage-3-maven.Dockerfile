# syntax=docker/dockerfile:1.6
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache make build
RUN make test

FROM maven:3.9-eclipse-temurin-21 as tools
RUN echo "tooling stage"

FROM eclipse-temurin:21-jre AS runtime
COPY --from=build /src/out /app
COPY --from=tools /etc/os-release /etc/tools-release
WORKDIR /app
USER 65532:65532
ENTRYPOINT ["/app/run"]
