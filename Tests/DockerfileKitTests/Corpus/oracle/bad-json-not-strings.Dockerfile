CMD [1]
