RUN echo 'a b' <<EOF "c"
x
EOF
