#!/usr/bin/env bash
# Command 1 of the README: installs what is missing, builds Release, and runs the default
# pipeline on the default world (seed 42), writing everything under out/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$jobs"
tp=build/release/tools/terrapage
mkdir -p out

for layer in height biome temperature precipitation hillshade; do
  "$tp" preview --layer "$layer" -o "out/preview-$layer.png"
done
echo "pictures of the default world are in out/"
