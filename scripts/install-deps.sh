#!/usr/bin/env bash
# Installs the Debian 12 packages sluice needs to build, run and test, only those missing.
# Usage: scripts/install-deps.sh [fuzz]     (run as root, or with sudo available)
#   fuzz: also clang-14 and its sanitizer/libFuzzer runtimes (scripts/fuzz.sh, the fuzz preset)
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config ccache
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  librocksdb-dev libsimdjson-dev libcli11-dev libspdlog-dev libfmt-dev libyaml-cpp-dev libssl-dev
  libarchive-dev                  # function code archives (.zip, .tar.gz)
  tzdata                          # /usr/share/zoneinfo: schedule time zones (src/schedule)
  # tests and benchmarks
  libgtest-dev libgmock-dev googletest libbenchmark-dev python3 curl procps
)

if [ "${1:-}" = "fuzz" ]; then
  packages+=(clang-14 libclang-rt-14-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing Debian packages: ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
