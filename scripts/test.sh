#!/usr/bin/env bash
# The whole test suite on a fresh Debian/Ubuntu machine: installs what the
# tests use (scripts/setup.sh --for-tests), builds, and runs every test.
# Sandbox tests run real runc and podman, so run as root (CI does).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
scripts/setup.sh --for-tests
export TRE_LINT_VENV=${TRE_LINT_VENV:-$HOME/.cache/tre-lint-venv}
swift build --build-tests
swift test --skip-build "$@"
