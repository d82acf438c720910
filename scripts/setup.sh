#!/usr/bin/env bash
# Installs everything tre-lint needs on a fresh Debian/Ubuntu machine and
# configures Podman so it can run here. Idempotent: a second run changes nothing.
#   libarchive-dev, pkg-config  build the image reader
#   runc, crun, podman, uidmap, slirp4netns, fuse-overlayfs   the sandbox engines
#   skopeo, umoci               cross-checks in the test suite (umoci unpack oracle)
#   busybox-static              the userland of the images the tests build
#   iproute2, libarchive-tools, zstd   network namespaces and archive tools for tests/benchmarks
#   (--for-tests) mmdebstrap, python3-venv   a real Debian image for the umoci cross-check; the oracles' venv
#   (--for-tests, Debian) chromium          renders the html report in a test
# usage: scripts/setup.sh [--for-tests]   (--for-tests: also a venv with the BuildKit parser
#        oracle and jsonschema from PyPI, at $TRE_LINT_VENV or ~/.cache/tre-lint-venv)
set -euo pipefail

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo

packages=(libarchive-dev pkg-config runc crun podman uidmap slirp4netns fuse-overlayfs
          skopeo umoci busybox-static iproute2 libarchive-tools zstd)
# The tests also build a Debian image with mmdebstrap (the umoci cross-check) and a venv for the oracles.
[ "${1:-}" = --for-tests ] && packages+=(mmdebstrap python3-venv)
# The html report's rendering test screenshots it with headless Chromium: a Debian package (Ubuntu ships only a snap).
if [ "${1:-}" = --for-tests ] && grep -qx 'ID=debian' /etc/os-release 2>/dev/null; then packages+=(chromium); fi
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Podman's default runtime (crun) fails on hosts with a cgroup v1/hybrid layout,
# and raising rlimits above the current hard limits is refused in some
# sandboxes: pin runc and the current limits, but only when crun cannot run.
conf=/etc/containers/containers.conf
marker='# tre-lint: managed by scripts/setup.sh'
if ! grep -qF "$marker" "$conf" 2>/dev/null; then
  # crun runs only on a pure cgroup v2 host here; a v1 or hybrid layout needs runc.
  if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]; then
    nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
    [ "$nofile" = unlimited ] && nofile=1048576
    [ "$nproc" = unlimited ] && nproc=1048576
    [ "$nofile" -gt 1024 ] && nofile=1024
    [ "$nproc" -gt 1024 ] && nproc=1024
    $SUDO mkdir -p /etc/containers
    [ -f "$conf" ] && $SUDO cp "$conf" "$conf.bak.$(date +%s)"
    $SUDO tee "$conf" >/dev/null <<CONF
$marker
# crun fails on this host's cgroup layout; rlimits above the current hard
# limits are refused, so pin runc and limits that fit.
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[engine.runtimes]
runc = ["$(command -v runc)"]
CONF
  fi
fi

if [ "${1:-}" = --for-tests ]; then
  venv=${TRE_LINT_VENV:-$HOME/.cache/tre-lint-venv}
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q dockerfile==3.4.0 jsonschema
fi
