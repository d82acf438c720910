RUN <<EOF\
 cat
abc
EOF
