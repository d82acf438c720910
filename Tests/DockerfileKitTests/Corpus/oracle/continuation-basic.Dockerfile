RUN a \
  b \
  c
