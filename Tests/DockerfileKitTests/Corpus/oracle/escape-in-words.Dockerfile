FROM a
ENV a=\$b c="\$d"
ARG x=\"y
