FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "mkdir", "-p", "/safe_outputs"]
ENTRYPOINT ["/bin/busybox"]
CMD ["sh"]
