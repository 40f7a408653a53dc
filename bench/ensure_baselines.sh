#!/usr/bin/env bash
# Installs the Debian packages the side-by-side scripts need (see ../shared/baselines/README.md), when missing.
set -euo pipefail
need=()
/usr/bin/python3 -c "import numpy" 2>/dev/null || need+=(python3-numpy)
/usr/bin/python3 -c "import threadpoolctl" 2>/dev/null || need+=(python3-threadpoolctl)
[ "${1:-}" = "torch" ] && { /usr/bin/python3 -c "import torch" 2>/dev/null || need+=(python3-torch); }
ls /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 >/dev/null 2>&1 || need+=(libopenblas0-pthread)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi
