RUN <<EOF

# not a comment here

EOF
RUN true
