RUN echo <<EOF && cat <<-"X"
foo
EOF
	bar
	X
