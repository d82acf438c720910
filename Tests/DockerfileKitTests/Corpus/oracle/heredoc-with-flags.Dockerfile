RUN --mount=type=cache,target=/c <<EOF
ls /c
EOF
COPY --chmod=755 <<EOF /run.sh
#!/bin/sh
EOF
