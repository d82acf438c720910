RUN <<EOF
abc
