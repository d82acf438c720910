RUN cat <<EOF <<EOF2 > x
a
EOF
