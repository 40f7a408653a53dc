#!/usr/bin/env bash
# Our GEMM against numpy/OpenBLAS, same shapes, one run: bench/gemm_side_by_side.sh  (after dotnet build -c Release)
set -euo pipefail
cd "$(dirname "$0")/.."
bash bench/ensure_baselines.sh
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u OMP_NUM_THREADS /usr/bin/python3 bench/gemm_side_by_side.py
