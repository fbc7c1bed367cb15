#!/usr/bin/env bash
# npm run bench [-- --only throughput|geo|failover|group|scale] [--duration SECONDS] [--workers N] [--trials N]
#
# Installs what the benchmark needs from Debian (dnsperf, gdnsd, pdns-server, pdns-backend-bind), makes sure
# the packages' own services are not left running, builds, and runs test/bench/run.ts on the project's Node.
# See docs/performance.md.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() {
  echo "bench: $*" >&2
  exit 1
}

# --- Debian packages --------------------------------------------------------------------------------------------

PACKAGES=(dnsperf gdnsd pdns-server pdns-backend-bind)
missing=()
for pkg in "${PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing ${missing[*]}, and there is no apt-get here: install them by hand"
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages: ${missing[*]}. Run as root, or install them first: sudo apt-get install -y ${missing[*]}"

  # Daemons that already run are someone else's: only the ones the installation starts get stopped below.
  # (Two pgrep calls: procps refuses a pattern longer than 15 characters, the length of a process name.)
  daemons() { pgrep -x gdnsd || true; pgrep -x pdns_server || true; }
  before=" $(daemons | tr '\n' ' ') "

  # Debian's way to keep maintainer scripts from starting services: a policy-rc.d that says no (101).
  # Only when there is none already, and removed again afterwards.
  policy=/usr/sbin/policy-rc.d
  made_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    made_policy=1
  fi
  cleanup_policy() { if [ -n "$made_policy" ]; then rm -f "$policy"; fi; }
  trap cleanup_policy EXIT

  echo "bench: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

  cleanup_policy
  made_policy=""

  # Under systemd the units may still have been started (or enabled to start): stop them now.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl stop gdnsd.service pdns.service 2>/dev/null || true
  fi
  # Anything the installation started anyway: stop it by PID, leaving daemons that ran before alone.
  for pid in $(daemons); do
    case "$before" in
      *" $pid "*) ;;
      *)
        echo "bench: stopping $(ps -o comm= -p "$pid" 2>/dev/null || echo process) $pid started by the package installation" >&2
        kill "$pid" 2>/dev/null || true
        ;;
    esac
  done
fi

command -v taskset >/dev/null || die "taskset (util-linux) is needed to pin the servers and dnsperf to a core each"
[ "$(nproc)" -ge 2 ] || die "needs at least 2 CPU cores (one for the server under test, one for dnsperf); this machine has $(nproc)"

# --- Node and the build -----------------------------------------------------------------------------------------

if [ ! -d node_modules ]; then
  echo "bench: node_modules is missing: npm ci" >&2
  bash scripts/install.sh >&2
fi
NODE=node_modules/.bin/node
[ -x "$NODE" ] || die "$NODE is missing (the 'node' devDependency); run npm ci"

echo "bench: building" >&2
npm run --silent build >&2

exec "$NODE" dist/test/bench/run.js "$@"
