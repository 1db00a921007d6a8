#!/usr/bin/env bash
# Runs before `npm test`: installs what the browser tests drive. playwright-core never downloads a
# browser of its own, so the tests use Debian's chromium at /usr/bin/chromium.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then exit 0; fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "test setup: /usr/bin/chromium is missing and this system has no apt-get; install Chromium at /usr/bin/chromium" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "test setup: installing Debian's chromium for the browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists may be stale on a fresh machine: refresh them only if the first try fails.
$SUDO apt-get install -y -q chromium >/dev/null || { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q chromium >/dev/null; }
test -x /usr/bin/chromium
