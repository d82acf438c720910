# foo=bar
# escape=`
RUN a `
b
