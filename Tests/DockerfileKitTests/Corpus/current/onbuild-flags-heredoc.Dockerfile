FROM a
ONBUILD RUN --mount=type=cache,target=/c <<EOF x
hi
EOF
ONBUILD COPY --from=build --chown=1:1 a b
