  # escape=`
RUN a `
 b
