COPY <<EOF /a
hello
EOF
ADD <<EOF /x
x
EOF
COPY ["<<EOF", "/x"]
