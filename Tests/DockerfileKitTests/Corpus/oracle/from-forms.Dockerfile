FROM a AS	b
FROM --platform=linux/arm64 c:1@sha256:abc as D
FROM e f g h
