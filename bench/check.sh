#!/usr/bin/env bash
# Benchmark (not a test): what the static rules cost on top of reading the image. Times `tre-lint check --no-run`
# beside `tre-lint inspect --format json` (release build) on the multi-gigabyte image in every layout, in one run,
# best of three, with peak memory. Target: check --no-run within 1.5× of inspect.
# usage: bench/check.sh [IMAGEDIR]   (images from bench/build-images.sh)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
images=${1:-${BENCH_CACHE:-$HOME/.cache/tre-lint-bench}/images}
[ -f "$images/big.docker.tar" ] || "$here/build-images.sh" "$images"
(cd "$root" && swift build -c release --product tre-lint >/dev/null)
tool=$root/.build/release/tre-lint
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
RUNS=${RUNS:-3}

# best LABEL CMD...: prints the fastest wall time of $RUNS runs and the largest peak RSS; sets $last to the time.
best() {
  local label=$1; shift
  local fastest="" peak=0 secs kb status
  for ((run = 0; run < RUNS; run++)); do
    status=0
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || status=$?
    # check exits 1 when it has findings at or above --fail-on; that is a finished run.
    if [ "$status" -gt 1 ]; then echo "  $label: FAILED with $status ($(tail -1 "$tmp/err"))"; last=""; return; fi
    read -r secs kb < <(tail -1 "$tmp/time")
    if [ -z "$fastest" ] || awk "BEGIN{exit !($secs < $fastest)}"; then fastest=$secs; fi
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  printf '  %-32s %7.2f s  %6d MB\n' "$label" "$fastest" $((peak / 1024))
  last=$fastest
}

for layout in docker docker25 oci oci-uncompressed oci-zstd; do
  img=$images/big.$layout.tar
  [ -f "$img" ] || continue
  echo "big.$layout.tar ($(du -h "$img" | cut -f1))"
  cat "$img" >/dev/null  # warm the page cache so both commands read from memory
  best "tre-lint inspect --format json" "$tool" inspect "$img" --format json; inspect=$last
  best "tre-lint check --no-run" "$tool" check "$img" --no-run --format json; check=$last
  [ -n "$inspect" ] && [ -n "$check" ] && awk -v c="$check" -v i="$inspect" 'BEGIN { printf "  check / inspect: %.2f×\n", c / i }'
done
