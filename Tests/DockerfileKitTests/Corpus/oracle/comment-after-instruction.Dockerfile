FROM a # not a comment
RUN b # also part
