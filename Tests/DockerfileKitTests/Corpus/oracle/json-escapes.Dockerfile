RUN ["a\"b", "c\\d", "\/", "\t", "\ud83d\ude00", "\ud800x"]
