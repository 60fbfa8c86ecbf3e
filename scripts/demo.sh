#!/usr/bin/env bash
# Command 1 of the README: installs what is missing, builds Release, and runs the default
# pipeline on the default world (seed 42, 64 x 64 chunks around the origin): write its
# world file (out/world.yaml, kept if it exists, so an edited one is baked), bake it into
# out/world.tpk, describe and verify the file, export pictures of it into out/, and stream
# it with the reference soak test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release -j "$jobs"
tp=build/release/tools/terrapage
mkdir -p out

echo "== world file"
[ -e out/world.yaml ] || "$tp" init out/world.yaml
echo "== bake"
"$tp" bake --world out/world.yaml -o out/world.tpk
echo "== info"
"$tp" info out/world.tpk
echo "== verify"
"$tp" verify out/world.tpk
echo "== export"
for layer in height biome temperature precipitation hillshade; do
  "$tp" export out/world.tpk --layer "$layer" -o "out/world-$layer.png"
done
echo "== stream (the reference soak test: 1024 ticks at 60 Hz, about 17 s)"
"$tp" soak out/world.tpk --plot out/soak-timeline.png --map out/soak-map.png --json out/soak.json
echo "the baked world is out/world.tpk, baked from out/world.yaml; pictures of it and of the"
echo "soak test are in out/"
