#!/bin/sh
# grow-corpus.sh BUILD_DIR SECONDS [TARGET...] — grows the committed corpora of the fuzz
# targets (reader, mesh, tools; all by default): runs each target for SECONDS seconds
# with run.sh (its seeds, the committed corpus, the working corpus of earlier runs),
# keeps what adds coverage (libFuzzer's -merge=1 over all of them, smaller inputs
# first) and packs that into tests/fuzz/corpus/TARGET.tar.xz, reproducibly (sorted
# names, no times or owners). Page files are mostly zero padding, so an archive is a
# small fraction of its corpus. Commit the archives it changed.
set -eu

if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS [reader|mesh|tools]..." >&2
    exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- reader mesh tools

for name in "$@"; do
    sh "$here/run.sh" "$build" "$seconds" "$name"
    merged=$build/fuzz-$name-merged
    rm -rf "$merged"
    mkdir -p "$merged"
    "$build/tests/fuzz/fuzz_$name" -merge=1 -rss_limit_mb=2048 -max_len=65536 "$merged" \
        "$build/fuzz-$name-committed" "$build/fuzz-$name-corpus" "$build/fuzz-$name-seeds"
    mkdir -p "$here/corpus"
    (cd "$merged" && find . -type f | LC_ALL=C sort |
        tar --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=a=r,u+w -cf - -T - |
        xz -9e > "$here/corpus/$name.tar.xz")
    echo "$name: $(ls "$merged" | wc -l) inputs, $(du -sk "$merged" | cut -f1) KiB," \
         "$(wc -c < "$here/corpus/$name.tar.xz") bytes packed"
done
