FROM a
RUN b
\