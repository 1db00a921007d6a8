#!/usr/bin/env bash
# Runs before `npm test`: installs, from Debian's packages, what the tests drive that npm does not
# bring: Chromium for the browser tests (playwright-core never downloads a browser of its own, so
# they use /usr/bin/chromium), Python's authlib for the interoperability tests (/usr/bin/python3), and
# OpenLDAP's slapd with ldap-utils for the directory tests (they start their own slapd on free ports
# as the current user; a system slapd the package may start on 389 is never used), and Prometheus's
# promtool, which checks the metrics a live server exposes and the alert rules in deploy/prometheus
# (the package's own Prometheus service is never used).
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
/usr/bin/python3 -c 'import authlib, requests' >/dev/null 2>&1 || missing+=(python3-authlib python3-requests)
{ [ -x /usr/sbin/slapd ] && command -v ldapadd >/dev/null 2>&1; } || missing+=(slapd ldap-utils)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "test setup: ${missing[*]} missing and this system has no apt-get; install them from your distribution" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "test setup: installing Debian's ${missing[*]} for the tests" >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale on a fresh machine: refresh them only if the first try fails.
$SUDO apt-get install -y -q "${missing[@]}" >/dev/null || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q "${missing[@]}" >/dev/null; }
test -x /usr/bin/chromium
/usr/bin/python3 -c 'import authlib, requests'
test -x /usr/sbin/slapd
command -v promtool >/dev/null
