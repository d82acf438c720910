RUN ["a", null]
