RUN <<-EOF
	a
		EOF
