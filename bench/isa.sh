# shellcheck shell=bash
# Sourced by the side-by-side scripts: `--isa avx512|avx2|128` restricts both sides to one vector path alike.
#   ours:     DOTNET_EnableAVX512=0 (256-bit) or DOTNET_EnableAVX2=0 (128-bit, which also turns off FMA on x86)
#   OpenBLAS: OPENBLAS_CORETYPE=SkylakeX / Haswell / Nehalem
#   PyTorch:  ATEN_CPU_CAPABILITY=avx512 / avx2 / default, and its OpenBLAS as above
# Sets ISA, OURS_ENV (assignments for `env`), BLAS_CORETYPE and ATEN_CAPABILITY; refuses avx512 on a CPU without it.
isa=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --isa) isa=${2:-}; shift 2 ;;
    --isa=*) isa=${1#--isa=}; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
set -- "${args[@]+"${args[@]}"}"
case "$isa" in
  "") ISA=native OURS_ENV="" BLAS_CORETYPE="" ATEN_CAPABILITY="" ;;
  avx512)
    grep -q avx512f /proc/cpuinfo || { echo "--isa avx512: this CPU has no AVX-512 (grep avx512f /proc/cpuinfo finds nothing)" >&2; exit 2; }
    ISA=avx512 OURS_ENV="" BLAS_CORETYPE=SkylakeX ATEN_CAPABILITY=avx512 ;;
  avx2) ISA=avx2 OURS_ENV="DOTNET_EnableAVX512=0" BLAS_CORETYPE=Haswell ATEN_CAPABILITY=avx2 ;;
  128) ISA=128 OURS_ENV="DOTNET_EnableAVX2=0" BLAS_CORETYPE=Nehalem ATEN_CAPABILITY=default ;;
  *) echo "--isa $isa: use avx512, avx2 or 128" >&2; exit 2 ;;
esac
# The CPU as the rows name it: a VM often hides the model behind "Intel(R) Xeon(R) Processor", so family and model
# numbers go beside the name, and the widest vector ISA the CPU shows.
cpuinfo() { grep -m1 "^$1" /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'; }
widest=$(grep -m1 -o -w -E 'avx512f' /proc/cpuinfo || grep -m1 -o -w -E 'avx2' /proc/cpuinfo || grep -m1 -o -w -E 'asimd|sse4_2' /proc/cpuinfo || echo unknown)
# And the ceiling of every GEMM figure on this path: one core's float32 multiply-add peak (`tprop bench peak`), which
# differs between cores of the same width (Zen 4 splits a 512-bit operation in two; Zen 5 does not).
# shellcheck disable=SC2086  # OURS_ENV is a list of assignments, or empty
peak=$(env $OURS_ENV dotnet src/Cli/bin/Release/net10.0/tprop.dll bench peak 2>/dev/null | tail -1 | sed -n 's/^gflops=//p')
CPU="$(cpuinfo 'model name') (family $(cpuinfo 'cpu family'), model $(cpuinfo 'model'); widest ISA $widest; multiply-add peak ${peak:-unmeasured} GFLOP/s per core on this path)"
export ISA OURS_ENV BLAS_CORETYPE ATEN_CAPABILITY CPU
