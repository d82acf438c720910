#!/usr/bin/env bash
# Benchmark (not a test): `tre-lint inspect --format json` and `inspect --files` (release build) on a small and a
# multi-gigabyte many-layer image in every layout, beside the floor and the peers, in one run, with peak memory.
#   floor = the slower of (a) reading, decompressing and listing every layer once (floor-layers.sh) and
#           (b) `openssl dgst -sha256` over the tarball, spread over the cores (tre-lint verifies every digest)
#   peers = dive --ci --source docker-archive, container-structure-test --driver tar (docker-archive only: both
#           refuse oci-archive)
# usage: bench/inspect.sh [IMAGEDIR]   (images from bench/build-images.sh; peers from the shared install-peers.sh)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${SHARED_BENCH:-$root/../../shared/bench}
[ -d "$shared" ] || shared=/work/shared/bench
images=${1:-${BENCH_CACHE:-$HOME/.cache/tre-lint-bench}/images}
peers=${PEERS_VENV:-$HOME/.cache/tre-lint-peers}/bin
cores=$(nproc)
[ -f "$images/big.docker.tar" ] || "$here/build-images.sh" "$images"
(cd "$root" && swift build -c release --product tre-lint >/dev/null)
tool=$root/.build/release/tre-lint
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/cst.yaml" <<'YAML'
schemaVersion: 2.0.0
fileExistenceTests:
  - name: os-release
    path: /etc/os-release
    shouldExist: true
YAML

# measure LABEL CMD... : the fastest of $RUNS runs (other work on the machine only slows a run down) and the
# largest peak RSS. Exit status 1 counts as a run: dive --ci exits 1 when the image fails its efficiency rules.
RUNS=${RUNS:-3}
measure() {
  local label=$1; shift
  local best="" peak=0 run secs kb status
  for ((run = 0; run < RUNS; run++)); do
    status=0
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || status=$?
    if [ "$status" -gt 1 ]; then echo "  $label: FAILED with $status ($(tail -1 "$tmp/err"))"; return; fi
    read -r secs kb < <(tail -1 "$tmp/time")
    if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  printf '  %-38s %7.2f s  %6d MB\n' "$label" "$best" $((peak / 1024))
}
# hash the tarball in $cores byte ranges at once, as tre-lint hashes layers in parallel
hash_parallel() {
  local file=$1 size chunk i
  size=$(stat -c %s "$file"); chunk=$(( (size + cores - 1) / cores ))
  for ((i = 0; i < cores; i++)); do
    tail -c +$((i * chunk + 1)) "$file" | head -c "$chunk" | openssl dgst -sha256 >/dev/null &
  done
  wait
}
export -f hash_parallel; export cores

for size in small big; do
  for layout in docker docker25 oci oci-uncompressed oci-zstd; do
    img=$images/$size.$layout.tar
    [ -f "$img" ] || continue
    echo "$size.$layout.tar ($(du -h "$img" | cut -f1), $(tar -tf "$img" | wc -l) members)"
    cat "$img" >/dev/null  # warm the page cache so every command reads from memory
    measure "floor: list layers (floor-layers.sh)" "$shared/floor-layers.sh" "$img"
    measure "floor: sha256 over $cores cores" bash -c "hash_parallel '$img'"
    measure "tre-lint inspect --format json" "$tool" inspect "$img" --format json
    measure "tre-lint inspect --files" "$tool" inspect "$img" --files
    if [ "$layout" = docker ] && [ -x "$peers/dive" ]; then
      measure "dive --ci" env CI=true "$peers/dive" --ci --source docker-archive "$img"
      RUNS=1 measure "container-structure-test (tar)" "$peers/container-structure-test" test --driver tar --image "$img" --config "$tmp/cst.yaml"
    fi
  done
done
