FROM a
COPY <<EOF /x
hello
