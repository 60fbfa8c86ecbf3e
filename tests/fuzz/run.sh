#!/bin/sh
# run.sh BUILD_DIR SECONDS [TARGET...] — runs each fuzz target for SECONDS seconds: the
# page-file reader, the mesh decoder, the tools' path through a page file, then the
# world-file parser (reader, mesh, tools, world; all by default).
#
# Needs a build configured with -DTP_BUILD_FUZZ=ON (and clang available). Each target
# starts from fresh seeds written by its seed maker (plus, for the page-file targets, the
# committed reference files of tests/data/pagefile) and from its committed corpus,
# tests/fuzz/corpus/TARGET.tar.xz (grown by grow-corpus.sh), unpacked into the build
# directory and only read; what it finds goes to a working corpus,
# BUILD_DIR/fuzz-TARGET-corpus, so repeated runs build on earlier ones. A target that was
# not built is skipped, so CI can call this unconditionally. Exits with the first
# non-zero libFuzzer status (a crash, leak, timeout or sanitizer report; the reproducer
# is left in BUILD_DIR/fuzz-artifacts).
set -eu

if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS [reader|mesh|tools|world]..." >&2
    exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
shift 2
targets=${*:-reader mesh tools world}
here=$(cd "$(dirname "$0")" && pwd)
artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"

# run_target NAME SEEDER [FILE...]: fuzz_NAME on the seeds of SEEDER, the FILEs and the
# committed corpus.
run_target() {
    name=$1 seeder=$build/tests/fuzz/$2
    shift 2
    fuzzer=$build/tests/fuzz/fuzz_$name
    if [ ! -x "$fuzzer" ] || [ ! -x "$seeder" ]; then
        echo "fuzz_$name not built in $build (configure with -DTP_BUILD_FUZZ=ON); skipping"
        return 0
    fi
    seeds=$build/fuzz-$name-seeds
    corpus=$build/fuzz-$name-corpus
    committed=$build/fuzz-$name-committed
    rm -rf "$committed"
    mkdir -p "$seeds" "$corpus" "$committed"
    "$seeder" "$seeds"
    if [ $# -gt 0 ]; then
        cp "$@" "$seeds"/
    fi
    if [ -f "$here/corpus/$name.tar.xz" ]; then
        tar -xJf "$here/corpus/$name.tar.xz" -C "$committed"
    fi
    echo "== fuzz_$name for $seconds s"
    # One job on purpose: the fuzzer shares the machine with everything else in CI.
    "$fuzzer" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$seeds" "$committed"
}

for target in $targets; do
    case $target in
    reader) run_target reader make_seeds "$here"/../data/pagefile/*.tpk ;;
    mesh) run_target mesh make_mesh_seeds ;;
    tools) run_target tools make_tools_seeds "$here"/../data/pagefile/*.tpk ;;
    world) run_target world make_world_seeds ;;
    *) echo "$0: unknown target '$target'" >&2; exit 2 ;;
    esac
done
