#!/usr/bin/env bash
# The main job on a fresh Debian/Ubuntu machine: installs what tre-lint needs,
# builds it, builds the two example images from fixtures/examples with podman,
# and checks each one, sandbox run included: the good image passes, the faulty
# one fails with the findings a researcher would need to fix.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
scripts/setup.sh
swift build -c release --product tre-lint
bin=$(swift build -c release --show-bin-path)/tre-lint
images=$root/.build/examples
scripts/build-examples.sh "$images" >/dev/null

status=0
echo "== tre-lint check $images/good.tar"
"$bin" check "$images/good.tar" --dockerfile fixtures/examples/good/Dockerfile \
  --fixtures fixtures/examples/fixtures || status=$?
[ "$status" = 0 ] || { echo "demo: the good example should pass (exit $status)" >&2; exit 1; }

echo
echo "== tre-lint check $images/faulty.tar"
status=0
"$bin" check "$images/faulty.tar" --dockerfile fixtures/examples/faulty/Dockerfile \
  --fixtures fixtures/examples/fixtures || status=$?
[ "$status" = 1 ] || { echo "demo: the faulty example should fail with exit 1 (exit $status)" >&2; exit 1; }
echo
echo "demo: the good image passes and the faulty one fails, as expected"
