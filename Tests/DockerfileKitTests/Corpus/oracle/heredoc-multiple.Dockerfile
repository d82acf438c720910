from x
run <<A <<"B" 3<<-C
a
A
b
B
	c
	C
