# escape=`
RUN <<EOF `
  cat
x
EOF
