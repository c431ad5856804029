#!/usr/bin/env bash
# Installs, when missing, the Debian packages Obelisk's tests drive for real.
# Each line of scripts/debian-packages.txt is "command package": the package
# is installed only when the command is not on PATH. Needs root (CI and the
# development machines run as root) or sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
while read -r cmd pkg; do
  [[ -z "${cmd}" || "${cmd}" == \#* ]] && continue
  command -v "${cmd}" >/dev/null 2>&1 || missing+=("${pkg}")
done < scripts/debian-packages.txt

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  ${SUDO} apt-get update -qq
  ${SUDO} apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The npm packages the tests drive (the AMI client), from their lockfile.
scripts/install-node-deps.sh

# stripe-mock, Stripe's own mock of its API, for the payment tests (they start
# it themselves on a free port). `go install` puts it in GOBIN, else
# $(go env GOPATH)/bin, where the tests look for it; its fixtures stay in the
# module cache, where the tests read them too.
STRIPE_MOCK_VERSION=v0.203.0
if ! command -v stripe-mock >/dev/null 2>&1 && [[ ! -x "$(go env GOBIN)/stripe-mock" && ! -x "$(go env GOPATH)/bin/stripe-mock" ]] \
   || [[ ! -d "$(go env GOMODCACHE)/github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}" ]]; then
  echo "install-deps: installing stripe-mock ${STRIPE_MOCK_VERSION}"
  go install "github.com/stripe/stripe-mock@${STRIPE_MOCK_VERSION}"
fi
