FROM a
RUN b
