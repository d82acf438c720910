FROM a as builder
FROM builder
