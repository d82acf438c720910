#!/usr/bin/env bash
# Builds the two benchmark images (a small and a multi-gigabyte one, both many-layer,
# from Debian packages) and exports each in every layout tre-lint reads.
# usage: bench/build-images.sh [OUTDIR]   (default ~/.cache/tre-lint-bench/images)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
shared=${SHARED_BENCH:-$here/../../../shared/bench}
[ -d "$shared" ] || shared=/work/shared/bench
out=${1:-${BENCH_CACHE:-$HOME/.cache/tre-lint-bench}/images}
mkdir -p "$out"
"$shared/mkbase.sh"
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT

# Small: a few layers of Debian packages and a deletion of a lower layer's files.
cat >"$ctx/Dockerfile.small" <<'DF'
FROM localhost/base/bookworm-python:12
RUN apt-get update && apt-get install -y --no-install-recommends python3-numpy && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*
RUN rm -rf /usr/share/doc && useradd -m researcher
RUN dd if=/dev/urandom of=/opt/blob.bin bs=1M count=64
USER researcher
CMD ["python3"]
DF
# Big: the same shape with large package sets, several gigabytes, many layers.
cat >"$ctx/Dockerfile.big" <<'DF'
FROM localhost/base/bookworm-python:12
RUN apt-get update && apt-get install -y --no-install-recommends python3-numpy python3-scipy python3-pandas && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y --no-install-recommends gcc g++ gfortran make cmake && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y --no-install-recommends texlive-latex-base texlive-fonts-recommended && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y --no-install-recommends r-base-core openjdk-17-jdk-headless && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y --no-install-recommends llvm-14-dev clang-14 && rm -rf /var/lib/apt/lists/*
RUN dd if=/dev/urandom of=/opt/blob.bin bs=1M count=512
RUN rm -rf /usr/share/doc /usr/share/man && useradd -m researcher
USER researcher
CMD ["python3"]
DF
for name in small big; do
  if [ "${REBUILD:-0}" != 1 ] && [ -f "$out/$name.docker25.tar" ]; then echo "$name (exists)"; continue; fi
  podman build --quiet -f "$ctx/Dockerfile.$name" -t "localhost/bench/$name:1" "$ctx" >/dev/null
  "$shared/export-image.sh" "localhost/bench/$name:1" "$name" "$out"
done
