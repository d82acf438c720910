RUN <<"EOF" <<'E2'
x
EOF
y
E2
