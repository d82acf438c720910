#!/usr/bin/env bash
# Builds the example images from fixtures/examples with podman (offline: the
# userland is the host's static busybox) and exports each as a `podman save`
# tarball, as a researcher would before pushing.
# usage: scripts/build-examples.sh [OUTDIR]   (default .build/examples)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/.build/examples}
mkdir -p "$out"
# The images have no libc: only Debian's busybox-static (/bin/busybox) runs in them.
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "build-examples: a static busybox is needed (apt-get install busybox-static)" >&2; exit 2; }

build() {  # NAME TAG
  local name=$1 tag=$2 ctx
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' RETURN
  cp -a "$root/fixtures/examples/$name/." "$ctx/"
  cp "$busybox" "$ctx/busybox"
  podman build --quiet --pull=never --format docker -t "$tag" "$ctx" >/dev/null
  rm -f "$out/$name.tar"
  podman save --quiet --format docker-archive -o "$out/$name.tar" "$tag"
  echo "$out/$name.tar"
}
build good ghcr.io/example/tre-analysis:1.0
build faulty docker.io/example/analysis:latest
