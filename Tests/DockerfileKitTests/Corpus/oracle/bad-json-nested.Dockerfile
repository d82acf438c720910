CMD ["a", ["b"]]
