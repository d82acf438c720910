RUN <<EOF"
x
RUN <<<EOF
x
RUN echo "<<EOF"
x
RUN echo \<<EOF
x
ENTRYPOINT <<EOF
x
EOF
RUN <<
RUN 3<<
