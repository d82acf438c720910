RUN echo foo\\
FROM x
