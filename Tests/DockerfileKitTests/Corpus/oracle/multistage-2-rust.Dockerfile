# syntax=docker/dockerfile:1.6
FROM rust:1.77 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache make build
RUN make test

FROM rust:1.77 as tools
RUN echo "tooling stage"

FROM debian:bookworm-slim AS runtime
COPY --from=build /src/out /app
COPY --from=tools /etc/os-release /etc/tools-release
WORKDIR /app
USER 65532:65532
ENTRYPOINT ["/app/run"]
