FROM a
RUN <<EOF
abc
EOF
