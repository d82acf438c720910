# hello
# escape=`
RUN a `
b
