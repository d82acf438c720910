#!/bin/sh
# Times `tre-lint parse` (release build) on a generated 10,000-instruction Dockerfile.
# Not a test: prints wall-clock seconds for the closing note. Usage: bench/parse.sh [instructions]
set -eu
count=${1:-10000}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$count" > "$work/Dockerfile" <<'PY'
import sys
n = int(sys.argv[1])
out = ["# syntax=docker/dockerfile:1", "ARG BASE=python:3.12", "FROM ${BASE} AS build"]
kinds = [
    lambda i: f"RUN --mount=type=cache,target=/root/.cache pip install package{i} \\\n    && echo done{i}",
    lambda i: f"ENV VAR{i}=\"value {i}\" OTHER{i}=x",
    lambda i: f"COPY --chown=1000:1000 [\"src/{i}\", \"/app/{i}\"]",
    lambda i: f"RUN <<EOF\necho heredoc {i}\nEOF",
    lambda i: f"LABEL key{i}=value{i}",
    lambda i: f"# comment {i}\nWORKDIR /w/{i}",
]
while len(out) < n + 1:
    out.append(kinds[len(out) % len(kinds)](len(out)))
print("\n".join(out[: n + 1]))
PY
cd "$root"
swift build -c release --product tre-lint >/dev/null
start=$(date +%s.%N)
.build/release/tre-lint parse "$work/Dockerfile" --format json > "$work/out.json"
end=$(date +%s.%N)
instructions=$(grep -c '^  {' "$work/out.json")
echo "parsed $instructions instructions in $(awk "BEGIN { print $end - $start }") s"
