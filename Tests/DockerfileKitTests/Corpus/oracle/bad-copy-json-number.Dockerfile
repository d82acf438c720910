COPY [1, "/x"]
