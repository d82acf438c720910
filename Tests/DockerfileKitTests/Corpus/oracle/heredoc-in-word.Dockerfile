RUN cat<<EOF
x
EOF
RUN x=<<EOF
y
