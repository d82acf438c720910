# check=skip=JSONArgsRecommended;error=true
# escape=`
FROM a
RUN a `
  b
