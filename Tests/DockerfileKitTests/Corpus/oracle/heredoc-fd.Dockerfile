RUN 3<<EOF 4<<-EOF2 cat /dev/fd/3
three
EOF
	four
	EOF2
