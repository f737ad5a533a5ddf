#!/usr/bin/env bash
# Installs the Debian 12 packages Tidings needs, and only those that are missing.
# Usage: scripts/install-deps.sh [build|test|asan|fuzz|bench]...   (build is always included)
set -euo pipefail

# qt6-charts-dev does not depend on libqt6opengl6-dev, yet Qt6ChartsConfig.cmake needs the Qt6OpenGL package it
# holds: without it find_package(Qt6 COMPONENTS Charts) fails on a machine where nothing else brought it in.
build=(cmake ninja-build g++ make pkg-config qt6-base-dev libqt6sql6-sqlite libsqlite3-dev libssl-dev qt6-tools-dev qt6-l10n-tools
       qt6-tools-dev-tools libgl-dev clang-format qt6-charts-dev libqt6opengl6-dev
       libgrpc++-dev libprotobuf-dev protobuf-compiler-grpc)
# The end-to-end test drives a real registry with skopeo; the rest of the suite needs curl and sqlite3 for checks,
# promtool (in prometheus) to check the /metrics output, and a PostgreSQL server with Qt's driver for the
# second run of the engine tests. The gRPC admin API's second client is Python's grpcio, its stubs generated at
# test time by protoc and grpc_python_plugin (protobuf-compiler-grpc; bookworm's python3-grpc-tools 1.14 predates
# proto3 `optional` and the protobuf 4 runtime, so it is not used).
test=(docker-registry skopeo curl sqlite3 gzip tar openssl prometheus postgresql libqt6sql6-psql
      python3 python3-grpcio python3-protobuf)
# `make test-asan`: gcc's AddressSanitizer and UndefinedBehaviorSanitizer runtimes (g++ normally brings them).
asan=(libasan8 libubsan1)
# `make fuzz`: clang 14 and compiler-rt, which holds libFuzzer (libclang_rt.fuzzer) and clang's sanitizer runtimes.
fuzz=(clang libclang-rt-14-dev)
# `make bench`: the peers and load generators the performance suite measures against (docs/performance.md);
# postgresql brings the server for the PostgreSQL figures and pgbench (their baseline).
bench=(nginx-light wrk nghttp2-client hyperfine python3 postgresql libqt6sql6-psql)

wanted=("${build[@]}")
for group in "$@"; do
    case "$group" in
        build) ;;
        test) wanted+=("${test[@]}") ;;
        asan) wanted+=("${asan[@]}") ;;
        fuzz) wanted+=("${fuzz[@]}") ;;
        bench) wanted+=("${bench[@]}") ;;
        *) echo "install-deps: unknown group '$group' (build, test, asan, fuzz, bench)" >&2; exit 2 ;;
    esac
done

missing=()
for package in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo to add: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt run (unattended upgrades, a parallel build) instead of failing at once.
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
