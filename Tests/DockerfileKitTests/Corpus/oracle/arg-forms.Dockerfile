ARG a="b c" d='e' f\ g
ARG "q r"
ARG x y=z
FROM a
ARG
