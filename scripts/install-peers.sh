#!/bin/sh
# Installs the real programs the tests run against (Debian 12 packages): the node shell's peers
#   (sshd, ssh-keygen, dnsmasq, dig, exportfs, unshare), the gateway's (nginx + stream module),
#   the PKI's (Go + smallstep's certificates source to build step-ca, lego as an ACME client),
#   Swarm's (dockerd, static busybox for local images), the daemon's (git, promtool, chromium),
#   and iproute2 for network namespaces.
# Idempotent: a package whose binary is already present is skipped; nothing is started.
# Needs root (apt-get); without root it only reports what is missing.
set -eu

missing=""
need() { # need <binary> <package>
  if [ ! -e "$1" ]; then missing="$missing $2"; fi
}
need /usr/sbin/sshd openssh-server
need /usr/bin/ssh-keygen openssh-client
need /usr/sbin/dnsmasq dnsmasq-base
need /usr/bin/dig bind9-dnsutils
need /usr/sbin/exportfs nfs-kernel-server
need /usr/bin/unshare util-linux
need /usr/sbin/nginx nginx
need /usr/lib/nginx/modules/ngx_stream_module.so libnginx-mod-stream
need /usr/bin/go golang-go
need /usr/share/gocode/src/github.com/smallstep/certificates/ca/ca.go golang-github-smallstep-certificates-dev
need /usr/bin/lego lego
need /usr/sbin/dockerd docker.io
need /bin/busybox busybox-static
need /usr/bin/git git
need /usr/bin/promtool prometheus
need /usr/bin/chromium chromium
need /usr/sbin/ip iproute2
need /usr/bin/openssl openssl

if [ -z "$missing" ]; then
  echo "install-peers: all peers present"
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "install-peers: missing:$missing (run as root to install)" >&2
  exit 1
fi
echo "install-peers: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
if ! apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 $missing; then
  apt-get update -o DPkg::Lock::Timeout=300
  # shellcheck disable=SC2086
  apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 $missing
fi
