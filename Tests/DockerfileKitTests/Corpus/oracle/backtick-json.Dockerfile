# escape=`
CMD ["C:\\x"]
RUN ["a`"]
