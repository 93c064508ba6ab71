#!/bin/sh
# Builds the real step-ca (smallstep/certificates, Debian's Go library package) from our own
# small main (scripts/step-ca/main.go) in GOPATH mode, and caches the binary by source hash:
# hash of main.go + this script + the Debian package version. Prints the binary's path.
#
#   scripts/build-step-ca.sh            -> .cache/step-ca/<hash>/step-ca
#   PHOENIX_CACHE_DIR=/x scripts/...    -> /x/step-ca/<hash>/step-ca
#
# Needs: golang-go golang-github-smallstep-certificates-dev (scripts/install-peers.sh).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
src="$here/step-ca/main.go"
gocode=/usr/share/gocode

command -v go >/dev/null 2>&1 || { echo "build-step-ca: go not found (apt-get install golang-go)" >&2; exit 3; }
pkgver=$(dpkg-query -W -f='${Version}' golang-github-smallstep-certificates-dev 2>/dev/null) || pkgver=""
[ -n "$pkgver" ] && [ -d "$gocode/src/github.com/smallstep/certificates" ] || {
  echo "build-step-ca: golang-github-smallstep-certificates-dev is not installed" >&2; exit 3; }

hash=$( { cat "$src" "$0"; echo "$pkgver"; go version; } | sha256sum | cut -c1-16)
cache="${PHOENIX_CACHE_DIR:-$root/.cache}/step-ca/$hash"
bin="$cache/step-ca"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/gopath/src/phoenix-step-ca" "$work/gocache"
cp "$src" "$work/gopath/src/phoenix-step-ca/main.go"
# GOPATH mode: only Debian's packaged sources, never a module proxy.
(cd "$work/gopath/src/phoenix-step-ca" &&
  GO111MODULE=off GOPROXY=off GOPATH="$work/gopath:$gocode" \
  GOCACHE="${PHOENIX_GOCACHE:-${PHOENIX_CACHE_DIR:-$root/.cache}/go-build}" \
  go build -o "$work/step-ca" . ) >&2
# Atomic publish: concurrent builders race harmlessly.
mv "$work/step-ca" "$bin.tmp.$$" && mv "$bin.tmp.$$" "$bin"
echo "$bin"
