#!/usr/bin/env bash
# Runs the runtime's kernel tests on ARM64 for real (issue 15): publishes the test program self-contained for
# linux-arm64 and runs it under qemu-user (user-mode emulation of an aarch64 CPU on this x86-64 machine), so the
# AdvSimd code executes: Vector128 with fused multiply-add (Lanes.MultiplyAdd), the AdvSimd.Arm64.ZipLow/ZipHigh
# packing transposes (GemmPack) and the Tile128<N4> GEMM tile (GemmMicroKernel). Dsl.VectorPath checks that a short
# dtp run gives the x86 FMA constant to the bit. Installs qemu-user and an aarch64 glibc/libstdc++ sysroot from
# Debian's packages when missing (about 14 MB of downloads, 10-20 s).
#
# How long (measured at 68555f1 on the 2-core machine, with two trainings running beside it): publishing takes about
# 3 min (167 s). Under emulation the default list without Runtime.Allocation ran in 833 s (150 tests), 570 s of them in
# Runtime.Gemm's no-allocation test (100 calls per network shape); each of Runtime.Allocation's 4 tests (300 training
# steps of a 240-wide 8-layer network) took 8-9 min. So the default list takes about 50 min. Too long for CI: it stays
# a script.
#
# Usage: bash bench/arm64_kernel_tests.sh [comma-separated test-name prefixes]
#   (default: the kernel tests below; e.g. Runtime.Elementwise,Runtime.Noise,Runtime.Optim,Dsl.VectorPath for a run
#   of a few minutes)
# Ends with "N passed, N failed"; exits non-zero when a test fails or the program ends without a tally.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
start=$(date +%s)
export TARGETPROP_DATA="${TARGETPROP_DATA:-$(cd "$root/../shared/data" 2>/dev/null && pwd || echo "$root/../shared/data")}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
only=${1:-Runtime.Gemm,Runtime.Elementwise,Runtime.Noise,Runtime.Optim,Runtime.Emission,Runtime.Allocation,Dsl.VectorPath}

# qemu-aarch64 runs the aarch64 apphost; the apphost and the runtime's native libraries need aarch64 glibc, libstdc++
# and libgcc_s. Debian's *-arm64-cross packages (architecture "all", no dpkg --add-architecture) lay them in
# /usr/aarch64-linux-gnu, which qemu's -L makes the program's / for the loader and its libraries. No binfmt
# registration: qemu-aarch64 is invoked explicitly.
sysroot=/usr/aarch64-linux-gnu
need=()
command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
[ -e "$sysroot/lib/ld-linux-aarch64.so.1" ] || need+=(libc6-arm64-cross)
[ -e "$sysroot/lib/libstdc++.so.6" ] || need+=(libstdc++6-arm64-cross)
[ -e "$sysroot/lib/libgcc_s.so.1" ] || need+=(libgcc-s1-arm64-cross)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
fi

# Inside the repository (bin/ is ignored): the test program finds the repository root by looking for
# TargetProp.Dsl.sln above itself, and some test modules compute that root when the tests are discovered.
out="$root/bin/arm64-qemu"
log="$root/bin/arm64-qemu.log"
publish_log="$root/bin/arm64-qemu-publish.log"
mkdir -p "$out"
echo "publishing the test program for linux-arm64 into $out"
publish_start=$(date +%s)
if ! dotnet publish tests/TargetProp.Tests -c Release -r linux-arm64 --self-contained -o "$out" >"$publish_log" 2>&1; then
  tail -n 30 "$publish_log"
  echo "publish failed"
  echo "0 passed, 1 failed"
  exit 1
fi
publish_seconds=$(($(date +%s) - publish_start))
echo "published in ${publish_seconds}s"

# DOTNET_EnableWriteXorExecute=0: with W^X on, the runtime writes and patches JIT-compiled code through a second,
# writable mapping of the same memory; qemu-user only notices writes through the executable mapping, so it goes on
# running its stale translation of the old code. Without this switch the run hung (thread-pool work never picked up)
# or crashed (AccessViolationException in PinnedBuffer.Ensure during the Dsl.VectorPath training).
# DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1: the sysroot has no aarch64 ICU, and the runtime refuses to start without
# one unless globalization is invariant; these tests format nothing culture-specific.
# TPROP_EXPECT_VECTOR_PATH: Dsl.VectorPath checks that the kernels run the ARM64 path.
echo "running --only $only under qemu-aarch64 ($(qemu-aarch64 --version | head -n 1))"
run_start=$(date +%s)
set +e
DOTNET_EnableWriteXorExecute=0 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
  TPROP_EXPECT_VECTOR_PATH="arm64, 128-bit vectors, fused multiply-add" \
  qemu-aarch64 -L "$sysroot" "$out/TargetProp.Tests" --only "$only" --debug >"$log" 2>&1
status=$?
set -e
run_seconds=$(($(date +%s) - run_start))
# The log has a DBG line per test start and end (--debug, to follow a long emulated run with tail -f); the summary
# shows the path, the failures and Expecto's tally.
grep -vE ' DBG\] ' "$log" | grep -E 'EXPECTO!|\[ERR|FAILED|vector path|Fatal error|qemu:' | tail -n 40 || true
echo "full log: $log"
tally=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)
echo "publish ${publish_seconds}s, run under qemu ${run_seconds}s, total $(($(date +%s) - start))s"
if [ -z "$tally" ]; then
  echo "the test program ended (exit $status) without a tally"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "$tally"
[ "$status" -eq 0 ] && [ "$(echo "$tally" | grep -oE '[0-9]+ failed' | grep -oE '^[0-9]+')" -eq 0 ]
