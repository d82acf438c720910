RUN <<$VAR
x
$VAR
