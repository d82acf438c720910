FROM alpine:3.19
RUN echo built > /built

FROM alpine:3.19
COPY --from=0 /built /built
RUN cat /built
