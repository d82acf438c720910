RUN <<EOF cat
hi
EOF
