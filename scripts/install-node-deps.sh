#!/usr/bin/env bash
# Installs, from the lockfile, the npm packages the tests drive: the AMI
# client asterisk-manager in testdata/ami-client (cmd/obelisk/ami_test.go).
# Needs node and npm (scripts/debian-packages.txt); run by install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/../testdata/ami-client"
if [[ -f node_modules/.package-lock.json && node_modules/.package-lock.json -nt package-lock.json ]]; then
  exit 0
fi
echo "install-node-deps: npm ci in testdata/ami-client"
npm ci --no-audit --no-fund --loglevel=error
