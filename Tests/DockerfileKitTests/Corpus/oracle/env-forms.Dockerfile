FROM a
ENV a b c
ENV "a"="b c" d='e f'
ENV x=
ENV a\ b=c\ d  e="f\"g"
ENV   k    v   w  
