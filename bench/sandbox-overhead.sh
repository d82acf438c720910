#!/usr/bin/env bash
# Overhead of one sandbox run on a ~1 GB image, beside `podman load` + `podman run` of the same image.
# tre-lint's runc engine: read + digest-check the archive, extract the root filesystem, overlay, bundle, run, tear down.
# usage (as root): bench/sandbox-overhead.sh [TRE-LINT-BINARY]
#   builds localhost/bench/sandbox-1g:1 (bookworm-python + 800 MB of data, CMD exits at once) once and caches
#   its docker-archive in ~/.cache/tre-lint-bench/sandbox-1g.docker.tar
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${1:-$here/../.build/release/tre-lint}
[ -x "$bin" ] || bin=$here/../.build/debug/tre-lint
cache=${BENCH_CACHE:-$HOME/.cache/tre-lint-bench}
image=$cache/sandbox-1g.docker.tar
runs=${RUNS:-3}
mkdir -p "$cache"
if [ ! -f "$image" ]; then
  shared=/work/shared/bench
  podman image exists localhost/base/bookworm-python:12 || "$shared/mkbase.sh"
  ctx=$(mktemp -d); trap 'rm -rf "$ctx"' EXIT
  cat >"$ctx/Dockerfile" <<'DF'
FROM localhost/base/bookworm-python:12
RUN dd if=/dev/urandom of=/opt/data-a.bin bs=1M count=400 && dd if=/dev/urandom of=/opt/data-b.bin bs=1M count=400
RUN mkdir /safe_data /scratch /safe_outputs
CMD ["python3", "-c", "open('/safe_outputs/ok', 'w').write('ok')"]
DF
  podman build --quiet -t localhost/bench/sandbox-1g:1 "$ctx" >/dev/null
  podman save --quiet --format docker-archive -o "$image" localhost/bench/sandbox-1g:1
  podman rmi localhost/bench/sandbox-1g:1 >/dev/null
fi
echo "image: $image ($(du -h "$image" | cut -f1)), tre-lint: $bin, $runs runs each"

seconds() { local start=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; echo "$(date +%s.%N) - $start" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -a runc_total runc_container podman_load podman_run podman_rmi podman_engine
for i in $(seq "$runs"); do
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  start=$(date +%s.%N)
  json=$("$bin" run "$image" --engine runc --profile podman --format json || true)
  runc_total+=("$(echo "$(date +%s.%N) - $start" | bc)")
  runc_container+=("$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["profiles"][0]["durationSeconds"])')")

  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  podman_load+=("$(seconds podman load -i "$image")")
  id=$(podman images --format '{{.ID}} {{.Repository}}' | awk '$2=="localhost/bench/sandbox-1g"{print $1; exit}')
  podman_run+=("$(seconds podman run --rm --network none --cap-drop all --security-opt no-new-privileges "$id")")
  podman_rmi+=("$(seconds podman rmi -f "$id")")

  start=$(date +%s.%N)
  "$bin" run "$image" --engine podman --profile podman --format json >/dev/null 2>&1 || true
  podman_engine+=("$(echo "$(date +%s.%N) - $start" | bc)")
done
report() { printf '%-58s %6.2f s\n' "$1" "$(printf '%s\n' "${@:2}" | median)"; }
report "tre-lint run --engine runc (total: read, extract, run, clean)" "${runc_total[@]}"
report "  of which the container itself (start to exit)" "${runc_container[@]}"
report "podman load" "${podman_load[@]}"
report "podman run --rm" "${podman_run[@]}"
report "podman rmi" "${podman_rmi[@]}"
report "tre-lint run --engine podman (total)" "${podman_engine[@]}"
