# escape=`
FROM a
RUN echo a `
  b
RUN echo \
FROM c
