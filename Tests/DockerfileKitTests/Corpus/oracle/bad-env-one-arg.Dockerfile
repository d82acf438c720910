ENV a
