#!/bin/sh
# run.sh BUILD_DIR SECONDS — fuzz the page-file reader, then the mesh decoder, each for a
# bounded time.
#
# Needs a build configured with -DTP_BUILD_FUZZ=ON (and clang available). Writes a fresh
# seed corpus with make_seeds, adds the committed reference files, and runs fuzz_reader
# for SECONDS seconds on a working corpus kept in BUILD_DIR/fuzz-corpus (so repeated runs
# build on earlier ones); then fuzz_mesh likewise on seeds from make_mesh_seeds
# (BUILD_DIR/fuzz-mesh-corpus), if it was built. Exits 0 when the target was not built, so CI can call it
# unconditionally; otherwise with libFuzzer's status (non-zero on a crash, leak, timeout
# or sanitizer report; the reproducer is left in BUILD_DIR/fuzz-artifacts).
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
fuzzer=$build/tests/fuzz/fuzz_reader
seeder=$build/tests/fuzz/make_seeds

if [ ! -x "$fuzzer" ] || [ ! -x "$seeder" ]; then
    echo "fuzz_reader not built in $build (configure with -DTP_BUILD_FUZZ=ON); skipping"
    exit 0
fi

seeds=$build/fuzz-seeds
corpus=$build/fuzz-corpus
artifacts=$build/fuzz-artifacts
mkdir -p "$seeds" "$corpus" "$artifacts"
"$seeder" "$seeds"
cp "$here"/../data/pagefile/*.tpk "$seeds"/

# One job on purpose: the fuzzer shares the machine with everything else in CI.
"$fuzzer" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$seeds"

mesh_fuzzer=$build/tests/fuzz/fuzz_mesh
mesh_seeder=$build/tests/fuzz/make_mesh_seeds
if [ ! -x "$mesh_fuzzer" ] || [ ! -x "$mesh_seeder" ]; then
    echo "fuzz_mesh not built in $build; skipping"
    exit 0
fi
mesh_seeds=$build/fuzz-mesh-seeds
mesh_corpus=$build/fuzz-mesh-corpus
mkdir -p "$mesh_seeds" "$mesh_corpus"
"$mesh_seeder" "$mesh_seeds"
exec "$mesh_fuzzer" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$mesh_corpus" "$mesh_seeds"
