FROM a
ENV a=b 'cd'
