RUN a \
# one
   # two
  b
