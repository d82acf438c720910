FROM a
LABEL a=b c="d e"
LABEL "x y"=z
LABEL k v
