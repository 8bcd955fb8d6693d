#!/usr/bin/env bash
# Installs exactly the Debian 12 packages patron needs to build, test and
# benchmark, skipping what is already installed. Idempotent. Extra package
# names on the command line are installed too (`make bench` adds nginx-light
# for the HTTP benchmark's static-file baseline).
set -euo pipefail

packages=(
  cmake ninja-build g++ ccache pkg-config tzdata
  libsqlite3-dev sqlite3 zlib1g-dev libjemalloc-dev
  libssl-dev libcurl4-openssl-dev
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  curl wrk jq
  libcli11-dev libtomlplusplus-dev
  libhowardhinnant-date-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
