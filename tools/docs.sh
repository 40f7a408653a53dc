#!/usr/bin/env bash
# The documentation site, in output/docs (not committed): the README as its first page, docs/*.fsx as literate pages
# (run as they are built, so their output is this version's), docs/figures, and the API reference of the three
# assemblies from their signatures and XML docs (fsdocs, a tool in dotnet-tools.json). Needs the package in artifacts/
# (dotnet pack -c Release -o artifacts), which the pages' #r "nuget: TargetProp.Dsl" reads. Fails on any warning of
# fsdocs (--strict: a broken cross-reference, an unknown XML doc tag), on an output line a page could not produce, and
# on a link with a substitution left unfilled. View with: python3 -m http.server -d output/docs, then http://localhost:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/output/docs"
dotnet tool restore >/dev/null
input=$(mktemp -d /tmp/tprop-docs.XXXXXX)
log=$(mktemp /tmp/tprop-docs-log.XXXXXX)
trap 'rm -rf "$input" "$log"' EXIT
cp -r docs/. "$input/"
cp README.md "$input/index.md"
cp LICENSE "$input/LICENSE.txt"
cp RELEASE_NOTES.md "$input/release-notes.md"
cat >"$input/NuGet.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><add key="targetprop-artifacts" value="$root/artifacts" /></packageSources></configuration>
CONFIG
rm -rf "$out"
if ! dotnet fsdocs build --input "$input" --output "$out" --strict --eval \
    --projects src/Runtime.CSharp/TargetProp.Runtime.csproj src/Dsl.FSharp/TargetProp.Dsl.fsproj src/Dsl.CSharp/TargetProp.Dsl.CSharp.csproj \
    --properties Configuration=Release \
    --parameters root / fsdocs-collection-name TargetProp.Dsl fsdocs-license-link /LICENSE.txt \
      fsdocs-release-notes-link /release-notes.html fsdocs-repository-link /index.html#layout >"$log" 2>&1; then
  tail -n 40 "$log"; echo "docs: fsdocs failed"; exit 1
fi
if grep -v -E '^\s*(Generating|writing|copying) ' "$log" | grep -i -E '\b(warning|error)'; then echo "docs: fsdocs warned (above)"; exit 1; fi
# (fsdocs's own template leaves {{fsdocs-source-basename}} in the og:url metadata of API pages: not a link one follows.)
if grep -l -E 'Could not find reference|(href|src)="[^"]*\{\{' -r "$out" --include='*.html'; then
  echo "docs: a page above holds an output it could not produce or a link with a substitution left unfilled"; exit 1
fi
rm -f "$out/NuGet.config"
echo "docs: $(find "$out" -name '*.html' | wc -l) pages in $out"
