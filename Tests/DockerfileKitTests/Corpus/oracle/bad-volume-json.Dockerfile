VOLUME ["/a", 2]
