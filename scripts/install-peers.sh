#!/bin/sh
# Installs the real programs the node-shell tests run against (Debian 12 packages):
#   /usr/sbin/sshd (openssh-server), ssh-keygen (openssh-client), /usr/sbin/dnsmasq (dnsmasq-base),
#   dig (bind9-dnsutils), /usr/sbin/exportfs (nfs-kernel-server), unshare (util-linux).
# Idempotent: a package whose binary is already present is skipped; nothing is started.
# Needs root (apt-get); without root it only reports what is missing.
set -eu

missing=""
need() { # need <binary> <package>
  if [ ! -x "$1" ]; then missing="$missing $2"; fi
}
need /usr/sbin/sshd openssh-server
need /usr/bin/ssh-keygen openssh-client
need /usr/sbin/dnsmasq dnsmasq-base
need /usr/bin/dig bind9-dnsutils
need /usr/sbin/exportfs nfs-kernel-server
need /usr/bin/unshare util-linux

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
