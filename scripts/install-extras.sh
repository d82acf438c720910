#!/usr/bin/env bash
# Generates tre-lint's shell completions (bash, zsh, fish) and its man page from
# the argument parser, so they always match the commands and options, and
# installs them where the shells and man look:
#   PREFIX/share/bash-completion/completions/tre-lint
#   PREFIX/share/zsh/site-functions/_tre-lint
#   PREFIX/share/fish/vendor_completions.d/tre-lint.fish
#   PREFIX/share/man/man1/tre-lint.1
# usage: scripts/install-extras.sh [--prefix DIR] [--configuration release|debug] [--output DIR]
#   --prefix DIR       install under DIR (default /usr/local); $DESTDIR, when set, is put in front (packaging)
#   --configuration C  the build to generate from (default release, the build scripts/demo.sh makes)
#   --output DIR       only generate the four files into DIR; install nothing
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix=/usr/local
configuration=release
output=""
usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || { usage >&2; exit 64; }; prefix=$2; shift 2 ;;
    --configuration) [ $# -ge 2 ] || { usage >&2; exit 64; }; configuration=$2; shift 2 ;;
    --output) [ $# -ge 2 ] || { usage >&2; exit 64; }; output=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install-extras: unknown argument $1" >&2; usage >&2; exit 64 ;;
  esac
done
case $configuration in release|debug) ;; *) echo "install-extras: --configuration is release or debug" >&2; exit 64 ;; esac
cd "$root"

swift build -c "$configuration" --product tre-lint >&2
bin=$(swift build -c "$configuration" --show-bin-path)/tre-lint
# The plugin builds the package and runs its generate-manual tool on tre-lint's --experimental-dump-help.
swift package plugin generate-manual --configuration "$configuration" >&2
page=$root/.build/plugins/GenerateManual/outputs/TRELintCLI/tre-lint.1
[ -s "$page" ] || { echo "install-extras: the generate-manual plugin wrote no $page" >&2; exit 1; }

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
"$bin" --generate-completion-script bash >"$staging/tre-lint"
"$bin" --generate-completion-script zsh >"$staging/_tre-lint"
"$bin" --generate-completion-script fish >"$staging/tre-lint.fish"
cp "$page" "$staging/tre-lint.1"
for file in tre-lint _tre-lint tre-lint.fish tre-lint.1; do
  [ -s "$staging/$file" ] || { echo "install-extras: generating $file gave nothing" >&2; exit 1; }
done

if [ -n "$output" ]; then
  mkdir -p "$output"
  for file in tre-lint _tre-lint tre-lint.fish tre-lint.1; do cp "$staging/$file" "$output/$file"; done
  echo "install-extras: wrote bash, zsh and fish completions and the man page to $output" >&2
  exit 0
fi

destination=${DESTDIR:-}$prefix
SUDO=""
if [ "$(id -u)" != 0 ]; then
  probe=$destination
  while [ ! -e "$probe" ]; do probe=$(dirname "$probe"); done
  [ -w "$probe" ] || SUDO=sudo
fi
$SUDO install -D -m 0644 "$staging/tre-lint" "$destination/share/bash-completion/completions/tre-lint"
$SUDO install -D -m 0644 "$staging/_tre-lint" "$destination/share/zsh/site-functions/_tre-lint"
$SUDO install -D -m 0644 "$staging/tre-lint.fish" "$destination/share/fish/vendor_completions.d/tre-lint.fish"
$SUDO install -D -m 0644 "$staging/tre-lint.1" "$destination/share/man/man1/tre-lint.1"
echo "install-extras: installed completions and the man page under $destination" >&2
echo "  bash: open a new shell (needs the bash-completion package); zsh: run 'compinit' if $prefix/share/zsh/site-functions is on fpath;" >&2
echo "  fish: open a new shell; man: 'man tre-lint'" >&2
