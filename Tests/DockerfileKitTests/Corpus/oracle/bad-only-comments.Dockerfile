# only comment

# another
