FROM debian:12 AS a
CMD ["a"]
FROM a
ENTRYPOINT ["/e"]
