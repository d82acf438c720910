#!/usr/bin/env bash
# The shell side of action.yml, one subcommand per step, kept here so the tests can run each step locally.
#   swift      say whether Swift 6.1 or later (Package.swift's tools version) is on PATH (output found=true|false)
#   install    apt packages: scripts/setup.sh's when the sandbox runs (INPUT_RUN=true), else only libarchive
#   cache-key  a key for actions/cache from the sources and the Swift version (output key=…)
#   build      swift build -c release in the action's folder (output path=the tre-lint binary)
#   check      tre-lint check once (JSON), then SARIF, annotations and the job summary rendered from that report
#              (outputs verdict, sarif-file, report); exits as check does: 0 pass, 1 fail, 2 unusable input
# Inputs come as INPUT_* variables (IMAGE, DOCKERFILE, CONFIG, FAIL_ON, RUN, SARIF_FILE); outputs go to
# $GITHUB_OUTPUT and the summary to $GITHUB_STEP_SUMMARY, as GitHub's runner sets them.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

output() { [ -n "${GITHUB_OUTPUT:-}" ] && echo "$1=$2" >> "$GITHUB_OUTPUT"; echo "$1=$2" >&2; }
fail() { echo "::error title=tre-lint::$1"; exit "${2:-2}"; }

run_enabled() {
  case "${INPUT_RUN:-true}" in
    true) return 0 ;;
    false) return 1 ;;
    *) fail "input run must be true or false, not '${INPUT_RUN}'" ;;
  esac
}

case "${1:-}" in
swift)
  if command -v swift >/dev/null && swift --version 2>/dev/null | grep -Eq 'Swift version (6\.[1-9]|[7-9]\.|[1-9][0-9]\.)'; then
    output found true
  else
    output found false
  fi
  ;;

install)
  if run_enabled; then
    # The sandbox needs what the project's own machines have (engines, namespaces, archive tools): one list, setup.sh's.
    "$root/scripts/setup.sh"
  elif ! dpkg-query -W -f='${Status}' libarchive-dev 2>/dev/null | grep -q 'install ok installed'; then
    # The static rules need only libarchive to read the image.
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends libarchive-dev pkg-config >/dev/null
  fi
  ;;

cache-key)
  # hashFiles() only sees the workspace, and the action lives outside it: hash its build inputs here.
  sources=$(cd "$root" && find Package.swift Package.resolved Sources Plugins rules -type f 2>/dev/null | LC_ALL=C sort \
    | xargs sha256sum | sha256sum | cut -c1-16)
  toolchain=$(swift --version 2>/dev/null | head -n1 | sha256sum | cut -c1-8)
  output key "$toolchain-$sources"
  ;;

build)
  cd "$root"
  swift build -c release --product tre-lint >&2
  output path "$(swift build -c release --show-bin-path)/tre-lint"
  ;;

check)
  tre_lint=${TRE_LINT:?TRE_LINT must name the tre-lint binary, as the build step outputs it}
  image=${INPUT_IMAGE:-}
  [ -n "$image" ] || fail "input image is required: a docker save / podman save tarball, an OCI archive or layout, or docker-daemon:NAME"
  work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/tre-lint.XXXXXX")
  report="$work/report.json"
  sarif=${INPUT_SARIF_FILE:-tre-lint.sarif}

  # The options check and report share: the same ones find the same configuration and threshold.
  shared=()
  [ -n "${INPUT_DOCKERFILE:-}" ] && shared+=(--dockerfile "$INPUT_DOCKERFILE")
  [ -n "${INPUT_CONFIG:-}" ] && shared+=(--config "$INPUT_CONFIG")
  [ -n "${INPUT_FAIL_ON:-}" ] && shared+=(--fail-on "$INPUT_FAIL_ON")
  run_options=()
  as_root=()
  if ! run_enabled; then
    run_options=(--no-run)
  elif [ "$(id -u)" != 0 ]; then
    # The sandbox needs root for its namespaces, cgroups and overlay; GitHub's runners give passwordless sudo.
    # Only the check runs as root: it writes the JSON report, and every later step reads it as the runner user.
    if sudo -n true 2>/dev/null; then
      as_root=(sudo -n --preserve-env=PATH,TMPDIR)
    else
      echo "::warning title=tre-lint::the sandbox run needs root and sudo is unavailable: the report says so as TRE910"
    fi
  fi

  # One analysis: the image is read, and the sandbox run, once.
  status=0
  "${as_root[@]}" "$tre_lint" check "$image" "${shared[@]}" "${run_options[@]}" --format json --output "$report" || status=$?
  [ "$status" -le 1 ] || fail "tre-lint check could not use its input (exit $status); the line above says why" "$status"

  render() {
    local code=0
    "$tre_lint" report "$report" "${shared[@]}" "$@" || code=$?
    [ "$code" -le 1 ] || fail "tre-lint report failed (exit $code)" "$code"
  }
  mkdir -p "$(dirname "$sarif")"
  render --format sarif --output "$sarif"
  render --format github
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    render --format markdown --output "$work/summary.md"
    cat "$work/summary.md" >> "$GITHUB_STEP_SUMMARY"
  fi

  output verdict "$([ "$status" = 0 ] && echo pass || echo fail)"
  output sarif-file "$(cd "$(dirname "$sarif")" && pwd)/$(basename "$sarif")"
  output report "$report"
  exit "$status"
  ;;

*)
  echo "usage: $0 swift|install|cache-key|build|check" >&2
  exit 64
  ;;
esac
