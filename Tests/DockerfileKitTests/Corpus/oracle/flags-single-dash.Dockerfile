COPY -from=a b c
RUN -x
