#!/usr/bin/env bash
# The one test command (README, .ci/run): from a fresh machine, as root, installs everything the
# tests need — Debian packages for the real peers, npm packages — then runs lint, typecheck,
# build and every test. Under CI=true a test whose peer is missing fails instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real peers the tests start themselves (dnsmasq, OpenSSH server, dig, ...).
if [ -x scripts/install-peers.sh ]; then
  scripts/install-peers.sh
fi

# Slow builds of peers are cached by source hash outside the clone, so a fresh clone (CI) reuses
# them: step-ca is built once from Debian's Go source (about 25 s cold) before the tests start.
export PHOENIX_CACHE_DIR="${PHOENIX_CACHE_DIR:-${HOME:-/root}/.cache/phoenix}"
if [ -x scripts/build-step-ca.sh ]; then
  echo "test-all: step-ca at $(scripts/build-step-ca.sh)"
fi

# npm packages: a clean install from the lockfile on CI, a quick check otherwise.
if [ "${CI:-}" = "true" ] || [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

npm test
