# syntax=a
# syntax=b
FROM a
