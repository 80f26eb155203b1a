#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian 12 machine, and nothing when it is all there.
# Debian packages via apt-get (as root, or through sudo), front-end and test packages via npm.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake ninja-build pkg-config git python3 ca-certificates
  libboost1.74-dev libasio-dev zlib1g-dev libssl-dev libcurl4-openssl-dev
  libsoci-dev libsqlite3-dev libpq-dev postgresql-15
  libxapian-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libkainjow-mustache-dev libcmark-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nodejs chromium wrk nginx-light ccache python3-icalendar
)

missing=()
for p in "${PACKAGES[@]}"; do
  # nodejs may come from another repository (NodeSource) on the image: any node >= 18 will do.
  if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installazione pacchetti Debian: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if ! command -v npm >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends npm
fi

# npm: reinstall only when package-lock.json changed since the last install.
stamp=node_modules/.install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  echo "==> installazione pacchetti npm"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
