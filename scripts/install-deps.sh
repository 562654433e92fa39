#!/usr/bin/env bash
# Installs every Debian 12 package Liandong needs to build, test and run, non-interactively,
# and only the ones that are missing. Needs root (or sudo) the first time; a no-op afterwards.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ninja-build
  libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libsqlite3-dev sqlite3 libsodium-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libcpp-httplib-dev libboost-dev catch2
  clang-14 libclang-rt-14-dev
  python3 python3-zmq python3-msgpack
  procps
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
