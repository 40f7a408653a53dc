#!/usr/bin/env bash
# The mutation check: applies each one-token mutation of tools/mutants.tsv, one at a time, to a scratch copy of the
# working tree, rebuilds it and runs the test suite, and prints whether the suite caught it (a test failed). It ends
# with "caught N of M". Not part of CI: it rebuilds and retests once per mutation (about a minute each on 2 cores).
#
#   bash tools/mutants.sh              # every mutation
#   bash tools/mutants.sh NAME...      # only these (names from the first column of tools/mutants.tsv)
#
# The suite runs in three stages, cheapest first (Dsl, Runtime, EndToEnd test lists), and stops at the first stage that
# fails: a mutation counts as caught as soon as any test fails. A mutation that does not compile is reported as such
# and not counted as caught. Results go to stdout and to tools/mutants.last.log.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
list="$root/tools/mutants.tsv"
log="$root/tools/mutants.last.log"
export TARGETPROP_DATA="${TARGETPROP_DATA:-$(cd "$root/../shared/data" 2>/dev/null && pwd || echo "$root/../shared/data")}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
scratch=$(mktemp -d /tmp/targetprop-mutants.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# The scratch copy: the working tree without build outputs, built once so each mutation rebuilds only what it touches.
# It sits beside a link to ../shared so the data and baselines resolve as they do for the real tree.
mkdir -p "$scratch/repo"
(cd "$root" && tar --exclude=./.git --exclude='*/bin' --exclude='*/obj' -cf - .) | tar -xf - -C "$scratch/repo"
ln -s "$(cd "$root/.." && pwd)/shared" "$scratch/shared"
repo="$scratch/repo"
if ! dotnet build "$repo/TargetProp.Dsl.sln" -c Release >"$scratch/build.log" 2>&1; then
  echo "the unmutated tree does not build:"; tail -n 20 "$scratch/build.log"; exit 1
fi

# Replaces the one occurrence of text in file (\n in either for a line break); exit 1 if it occurs other than once.
mutate() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys
path, text, replacement = sys.argv[1], sys.argv[2].replace("\\n", "\n"), sys.argv[3].replace("\\n", "\n")
source = open(path, encoding="utf-8").read()
if source.count(text) != 1:
    print(f"'{sys.argv[2]}' occurs {source.count(text)} times in {path}, not once", file=sys.stderr)
    sys.exit(1)
open(path, "w", encoding="utf-8").write(source.replace(text, replacement))
PY
}

# The stage whose tests fail on the mutated tree, or nothing when every stage passes.
failing_stage() {
  for stage in Dsl Runtime EndToEnd; do
    # stdin is the list being read: a test (or a tprop it starts) that reads stdin would swallow the rest of it.
    if ! dotnet run --project "$repo/tests/TargetProp.Tests" -c Release --no-build -- --filter-test-list "$stage" \
        </dev/null >"$scratch/test.log" 2>&1; then
      echo "$stage"; return
    fi
  done
}

caught=0 total=0 invalid=0
: >"$log"
while IFS=$'\t' read -r name file text replacement; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  if [ "$#" -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  cp "$repo/$file" "$scratch/original"
  if ! mutate "$repo/$file" "$text" "$replacement" 2>"$scratch/mutate.log"; then
    line="INVALID  $name: $(cat "$scratch/mutate.log")"; invalid=$((invalid + 1))
  elif ! dotnet build "$repo/TargetProp.Dsl.sln" -c Release </dev/null >"$scratch/build.log" 2>&1; then
    line="INVALID  $name: does not compile ($(grep -m1 -oE 'error [A-Z]+[0-9]+: .{0,80}' "$scratch/build.log"))"; invalid=$((invalid + 1))
  else
    total=$((total + 1))
    stage=$(failing_stage)
    if [ -n "$stage" ]; then
      caught=$((caught + 1))
      first=$(grep -m1 -oE 'ERR\] .* failed in' "$scratch/test.log" | sed 's/^ERR\] //; s/ failed in$//')
      line="caught   $name  ($stage: $first)"
    else
      line="MISSED   $name  ($file)"
    fi
  fi
  cp "$scratch/original" "$repo/$file"
  echo "$line" | tee -a "$log"
done <"$list"
summary="caught $caught of $total"
[ "$invalid" -gt 0 ] && summary="$summary ($invalid invalid: fix tools/mutants.tsv)"
echo "$summary" | tee -a "$log"
