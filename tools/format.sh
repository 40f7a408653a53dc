#!/usr/bin/env bash
# Formatting, with the settings in .editorconfig: Fantomas for the F# (src, tests, examples, experiments, docs)
# and dotnet format for the C#. Tools come from dotnet-tools.json.
#   bash tools/format.sh           # rewrites what is not formatted
#   bash tools/format.sh --check   # changes nothing; lists what is not formatted and exits 1 if anything is
set -uo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null || exit 1
fsharp=(src tests examples experiments docs)
if [ "${1:-}" = "--check" ]; then
  status=0
  dotnet fantomas --check "${fsharp[@]}" || { echo "format: Fantomas would change the F# files above (bash tools/format.sh)"; status=1; }
  # (dotnet format names each F# project it skips; those lines are dropped.)
  log=$(mktemp)
  dotnet format TargetProp.Dsl.sln --verify-no-changes >"$log" 2>&1
  rc=$?
  grep -v "^Could not format '.*\.fsproj'" "$log"
  rm -f "$log"
  [ "$rc" -eq 0 ] || { echo "format: dotnet format would change the C# files above (bash tools/format.sh)"; status=1; }
  [ "$status" -eq 0 ] && echo "format: nothing to change"
  exit "$status"
fi
dotnet fantomas "${fsharp[@]}" && dotnet format TargetProp.Dsl.sln
