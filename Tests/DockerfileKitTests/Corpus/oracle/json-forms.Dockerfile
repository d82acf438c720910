CMD []
RUN [  ]
RUN ["a",]
RUN ["\u00e9\n"]
RUN ["a"]]
RUN ['a']
RUN [ "a" , "b" 
RUN ["a" "b"]
CMD ["a"] extra
ENTRYPOINT    ["sp"]
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
