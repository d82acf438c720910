# escape=`
RUN a `
b
