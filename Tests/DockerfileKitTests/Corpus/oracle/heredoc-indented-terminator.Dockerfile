RUN cat <<EOF
  EOF
EOF
