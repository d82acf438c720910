ENV a=b c
