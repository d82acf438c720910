FROM a
ENV \
  a
