FROM a
FOO bar baz
x
