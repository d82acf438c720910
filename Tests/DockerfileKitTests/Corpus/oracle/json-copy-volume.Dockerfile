COPY ["a b", "/c"]
ADD ["x", "y", "/z/"]
VOLUME ["/v"]
COPY [not json
