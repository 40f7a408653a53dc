#!/usr/bin/env bash
# Our GEMM against numpy/OpenBLAS, same shapes, one run (after dotnet build -c Release):
#   bench/gemm_side_by_side.sh [--isa avx512|avx2|128]    (both sides restricted alike: bench/isa.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/isa.sh
bash bench/ensure_baselines.sh
if [ -n "$BLAS_CORETYPE" ]; then
  exec env -u OPENBLAS_L2_SIZE -u OMP_NUM_THREADS OPENBLAS_CORETYPE="$BLAS_CORETYPE" /usr/bin/python3 bench/gemm_side_by_side.py
fi
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u OMP_NUM_THREADS /usr/bin/python3 bench/gemm_side_by_side.py
