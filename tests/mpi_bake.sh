#!/usr/bin/env bash
# The MPI bake end to end: `mpirun -np 2 terrapage-mpi bake` must write the very file one
# process bakes, and a rank that fails must leave the previous file untouched and no
# shard behind.
#
# usage: mpi_bake.sh TERRAPAGE TERRAPAGE_MPI MPIEXEC
set -euo pipefail
terrapage=$1 terrapage_mpi=$2 mpiexec=$3

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

mpirun_flags=(-np 2 --oversubscribe)
[ "$(id -u)" -eq 0 ] && mpirun_flags+=(--allow-run-as-root)
# One thread per rank: the test machine may have few cores, and the file must not depend
# on them anyway.
export OMP_NUM_THREADS=1
# A region of several tiles (16x16 chunks each) in both directions, cut off unevenly, so
# that both ranks get tiles of different sizes.
bake_options=(--region -8,-4,28,30 --samples 17 --seed 7)

fail() { echo "mpi_bake: $*" >&2; exit 1; }

"$terrapage" bake -q "${bake_options[@]}" -o single.tpk
"$mpiexec" "${mpirun_flags[@]}" "$terrapage_mpi" bake -q "${bake_options[@]}" -o mpi.tpk \
  || fail "the MPI bake failed"
cmp single.tpk mpi.tpk || fail "the MPI bake differs from the single-process bake"
leftovers=$(ls | grep -v -x -e single.tpk -e mpi.tpk || true)
[ -z "$leftovers" ] || fail "files left behind: $leftovers"

# A failing rank: a directory where rank 1's shard would go makes its bake fail. Rank 0
# bakes its share and must remove it; the previous mpi.tpk stays as it was.
cp mpi.tpk previous.tpk
mkdir mpi.tpk.mpi-shard-1-of-2
if "$mpiexec" "${mpirun_flags[@]}" "$terrapage_mpi" bake -q --seed 8 \
     --region -8,-4,28,30 --samples 17 -o mpi.tpk 2> failed.err; then
  fail "the MPI bake succeeded although rank 1 could not write its shard"
fi
cat failed.err >&2
grep -q "failed on 1 of 2 ranks: 1$" failed.err || fail "no message naming the failed rank"
grep -q "mpi.tpk was not written" failed.err || fail "no message about the output"
cmp previous.tpk mpi.tpk || fail "a failed MPI bake changed the previous file"
[ ! -e mpi.tpk.mpi-shard-0-of-2 ] || fail "rank 0's shard was left behind"
rmdir mpi.tpk.mpi-shard-1-of-2
leftovers=$(ls | grep -v -x -e single.tpk -e mpi.tpk -e previous.tpk -e failed.err || true)
[ -z "$leftovers" ] || fail "files left behind: $leftovers"

# --shard is the ranks' own business.
if "$mpiexec" "${mpirun_flags[@]}" "$terrapage_mpi" bake -q --shard 0/2 -o x.tpk \
     2> shard.err; then
  fail "--shard was accepted"
fi
grep -q -- "--shard" shard.err || fail "no message about --shard"
[ ! -e x.tpk ] || fail "x.tpk written"
echo "mpi_bake: ok"
