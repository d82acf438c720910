FROM python:3.12-slim
RUN python3 <<EOF
import sys
print("building on", sys.version)
EOF
COPY <<-"EOT" /app/config.toml
	[analysis]
	input = "/safe_data"
	EOT
