#!/usr/bin/env bash
# Installs what the test suite needs from Debian's packages: PostgreSQL (the second
# engine every KPI test runs on) and Chromium (the browser tests). Idempotent and quick
# when both are already there.
set -euo pipefail

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${need[*]}; install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Another apt run (an unattended upgrade, a parallel install) may hold the lock: wait for it.
apt_get() { apt-get -o DPkg::Lock::Timeout=600 "$@"; }
for attempt in 1 2 3 4 5 6; do
  apt_get update -qq && break
  echo "apt-get update failed (attempt $attempt); retrying in 20 s" >&2
  sleep 20
done
apt_get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
