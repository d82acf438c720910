# escape=`
FROM a
RUN a `