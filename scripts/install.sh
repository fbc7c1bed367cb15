#!/usr/bin/env bash
# Installs the npm packages (npm ci) with npm running on the Node the project runs on: the exact version of
# the `node` devDependency, fetched from the npm registry by npx. npm checks each package's `engines` against
# the Node running npm, so a plain `npm ci` on a system Node 20 warns 35 lines about packages that want Node 22,
# although every script and `npx meridian` run them on the project's own Node 24. Checked against that Node, a
# warning that remains is real. Extra arguments go to npm ci.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(node -p "require('./package.json').devDependencies.node")
exec npx --yes --package "node@${version}" -- npm ci "$@"
