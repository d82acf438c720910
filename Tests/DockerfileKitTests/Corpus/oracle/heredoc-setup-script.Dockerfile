# syntax=docker/dockerfile:1
FROM debian:bookworm-slim
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv
rm -rf /var/lib/apt/lists/*
EOF
COPY <<EOF /etc/profile.d/research.sh
export DATA_DIR=/safe_data
export OUT_DIR=/safe_outputs
EOF
RUN <<-'SCRIPT' bash
	echo "tabs are stripped"
	mkdir -p /safe_data
	SCRIPT
CMD ["bash"]
