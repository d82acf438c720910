RUN a\
\
  b
