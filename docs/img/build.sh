#!/usr/bin/env bash
# docs/img/build.sh: draw docs/img/scaling.svg from docs/img/scaling.dot with graphviz (Debian package
# graphviz; `dot -V` 2.43.0 drew the committed file). The output is deterministic for one graphviz
# version and font set: test/unit/scaling-diagram.test.mjs rebuilds it and compares.
#   docs/img/build.sh [OUT.svg]   (default docs/img/scaling.svg)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$here/scaling.svg}
command -v dot > /dev/null 2>&1 || { echo "build.sh: needs graphviz's dot (Debian: apt-get install graphviz)" >&2; exit 1; }
dot -Tsvg "$here/scaling.dot" -o "$out.tmp"
mv "$out.tmp" "$out"
