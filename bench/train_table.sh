#!/usr/bin/env bash
# Trains dtp and bp on MNIST for N epochs at 1 and 2 threads with `tprop train` and prints a Markdown table of the
# epoch times (median over epochs) and the test error after epoch 1 and epoch N.
#   usage: bench/train_table.sh [epochs=10]      (needs `dotnet build -c Release` and TARGETPROP_DATA or ./data/mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-10}
commit=$(git rev-parse --short HEAD)
tprop="dotnet src/Cli/bin/Release/net10.0/tprop.dll"
out=$(mktemp -d)
echo "| rule | threads | median epoch s | test error after 1 | test error after $epochs | command | commit |"
echo "|---|---|---|---|---|---|---|"
for rule in dtp bp; do
  for threads in 1 2; do
    cmd="tprop train --rule $rule --data mnist --epochs $epochs --threads $threads --seed 1"
    $tprop train --rule "$rule" --data mnist --epochs "$epochs" --threads "$threads" --seed 1 --out "$out/$rule-$threads" > /dev/null
    python3 - "$out/$rule-$threads/metrics.jsonl" "$rule" "$threads" "$cmd" "$commit" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = statistics.median(r["seconds"] for r in rows)
print(f"| {sys.argv[2]} | {sys.argv[3]} | {med:.2f} | {100*rows[0]['test_error']:.2f} % | "
      f"{100*rows[-1]['test_error']:.2f} % | `{sys.argv[4]}` | {sys.argv[5]} |")
PY
  done
done
rm -rf "$out"
