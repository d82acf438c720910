RUN <<'EOF'bar
x
EOF
