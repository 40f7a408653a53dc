#!/usr/bin/env bash
# A DTP epoch (Lee et al.'s network, alternating schedule, batch 100, all 60,000 MNIST examples) by tprop and by the
# PyTorch baseline, in one run, and the ratios the performance issue asks for.
#   usage: bench/epoch_side_by_side.sh [--isa avx512|avx2|128] [rule=dtp]   (after dotnet build -c Release; MNIST under
#   TARGETPROP_DATA). --isa restricts both sides alike (bench/isa.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/isa.sh
rule=${1:-dtp}
bash bench/ensure_baselines.sh torch
data=${TARGETPROP_DATA:-$(pwd)/../shared/data}
baseline=$(pwd)/../shared/baselines/pytorch_dtp.py
# shellcheck disable=SC2086  # OURS_ENV is a list of assignments, or empty
tprop() { env $OURS_ENV TARGETPROP_DATA="$data" dotnet src/Cli/bin/Release/net10.0/tprop.dll bench epoch --rule "$rule" --data mnist --threads "$1" | tail -1 | sed 's/.*seconds_per_epoch=\([0-9.]*\).*/\1/'; }
torch_env=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u OMP_NUM_THREADS)
[ -n "$BLAS_CORETYPE" ] && torch_env+=(OPENBLAS_CORETYPE="$BLAS_CORETYPE" ATEN_CPU_CAPABILITY="$ATEN_CAPABILITY")
torch() { DTP_DATA=$data "${torch_env[@]}" /usr/bin/python3 "$baseline" --algo "$rule" --threads "$1" --blas-threads "$2" --epochs 1 --no-eval | tail -1 | awk '{print $6}'; }
# Interleaved rounds of (ours 1, torch 1/1, ours 2, torch 1/2); the best of each setting counts, which damps this
# shared machine's minute-to-minute drift for both sides alike.
rounds=${ROUNDS:-3}
o1=inf; o2=inf; t11=inf; t12=inf
min() { python3 -c "print(min(float('$1'), float('$2')))"; }
for _ in $(seq "$rounds"); do
  o1=$(min "$o1" "$(tprop 1)"); t11=$(min "$t11" "$(torch 1 1)")
  o2=$(min "$o2" "$(tprop 2)"); t12=$(min "$t12" "$(torch 1 2)")
done
# The issue's bars: ≤ 0.55 at 1 thread, and ≤ 1/3 of PyTorch's best 2-core setting, which ../shared/baselines names
# as 1 torch / 2 BLAS threads (its 1-thread figure is separate). The last row is the stricter comparison with
# PyTorch's fastest setting of the run, whichever it is (on these VMs 1/1 is sometimes faster than 1/2).
best=$(min "$t11" "$t12")
# shellcheck disable=SC2086
path=$(env $OURS_ENV dotnet src/Cli/bin/Release/net10.0/tprop.dll bench gemm --m 6 --k 6 --n 6 | grep '^vector path:' || true)
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), rule $rule, --isa $ISA (ours: ${OURS_ENV:-no switch}; PyTorch: ATEN_CPU_CAPABILITY=${ATEN_CAPABILITY:-auto}, OPENBLAS_CORETYPE=${BLAS_CORETYPE:-auto}), $path, $CPU, seconds per 60,000-example epoch (best of $rounds)"
echo "| setting | tprop s | PyTorch s | tprop / PyTorch |"
echo "|---|---|---|---|"
python3 - "$o1" "$o2" "$t11" "$t12" "$best" <<'PY'
import sys
o1, o2, t11, t12, best = map(float, sys.argv[1:])
print(f"| 1 thread (PyTorch 1 torch / 1 BLAS) | {o1:.2f} | {t11:.2f} | {o1 / t11:.2f} |")
print(f"| 2 threads (PyTorch's 2-core setting, 1 torch / 2 BLAS) | {o2:.2f} | {t12:.2f} | {o2 / t12:.3f} |")
print(f"| 2 threads against PyTorch's fastest setting of the run | {o2:.2f} | {best:.2f} | {o2 / best:.3f} |")
PY
