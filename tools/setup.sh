#!/usr/bin/env bash
# Brings a fresh Debian 12 machine to a built tree: installs the Debian packages that are
# missing, configures build/ (clang-19, Ninja) and builds everything. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  clang-19 lld-19 llvm-19-dev llvm-19-tools libclang-rt-19-dev   # compiler, JIT, sanitizers, libFuzzer
  liblld-19-dev musl-dev libc6-dev libgcc-12-dev                 # export: lld in the process, static libcs
  cmake ninja-build python3
  libgtest-dev libbenchmark-dev libffi-dev libzstd-dev zlib1g-dev
  qemu-system-x86 mtools dosfstools musl-tools grub-pc-bin grub-common xorriso   # unikernel, disks
  csmith libcsmith-dev                                             # interpreter conformance corpus
  gcc-12-source                                                    # gcc's torture tests (tests/vm/gcc_torture.py)
  gdb                                                              # JIT'd code registered for gdb (a test)
  libcpp-httplib-dev nlohmann-json3-dev pkg-config                 # bareflow serve
  nodejs                                                           # the OpenAI client in the serve tests
)
command -v npm >/dev/null || packages+=(npm)  # (NodeSource's nodejs brings its own npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 >&2
fi
cmake --build build >&2
