#!/usr/bin/env bash
# Installs what the product and its test suite need from Debian's packages: PostgreSQL
# (the second engine every KPI test runs on), Chromium (the browser tests), Pango and a
# font (WeasyPrint renders the PDF exports with them), a Java 17 runtime (PySpark, the
# distributed engine's tests) and openssl (a test makes an SMTP server's certificate).
# Idempotent and quick when all are already there.
set -euo pipefail

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || need+=(libpango-1.0-0 libpangoft2-1.0-0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
ls /usr/lib/jvm/java-17-openjdk-*/bin/java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
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
