#!/usr/bin/env bash
# Runs every test, on a fresh machine too: installs the Debian tools the tests drive (dig, kdig), the npm
# packages (including the Node 24 the scripts run on), then the whole suite. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use: dnsutils (dig), knot-dnsutils (kdig), openssl (test certificates), and for the
# delegation end-to-end test knot (the parent zone's server) and unbound (the resolver); chromium (/usr/bin/chromium)
# for the status page's browser test, driven by playwright-core; iproute2 (`ip`) for the network-namespace lab
# of the multi-instance tests (test/helpers/netns-lab.ts); bind9-utils (dnssec-keygen, dnssec-dsfromkey,
# dnssec-signzone) and ldnsutils (ldns-keygen, ldns-key2ds), so the DNSSEC key tests check Meridian's key files
# and DS records against the tools operators make and check them with.
packages=(dnsutils knot-dnsutils openssl knot unbound chromium iproute2 bind9-utils ldnsutils)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "test.sh: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
    echo "test.sh: need root (or sudo) to install ${missing[*]}" >&2
    exit 1
  fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A clean install when the lockfile is newer than what is installed (or nothing is installed).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  bash scripts/install.sh --no-audit --no-fund
fi

npm test
