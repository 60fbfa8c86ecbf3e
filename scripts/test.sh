#!/usr/bin/env bash
# Command 2 of the README: builds every test suite and runs it through ctest, once
# plainly (warnings are errors) and once under AddressSanitizer + UndefinedBehaviorSanitizer,
# then the runtime's suite under ThreadSanitizer, checks the installed package, and runs
# the fuzzers for a short, bounded time when clang is available.
#
# Environment:
#   TP_TEST_LOAD=N       run the Release suite beside N busy processes (default 0), so a
#                        test that depends on how fast threads run fails here, not some
#                        day on a busy machine (CI sets 2)
#   TP_FUZZ_SECONDS=S    seconds each fuzz target runs (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."

load=${TP_TEST_LOAD:-0}
if ! [[ $load =~ ^[0-9]+$ ]] || [ "$load" -gt 64 ]; then
  echo "TP_TEST_LOAD must be a number of busy processes, 0 to 64 (got '$load')" >&2
  exit 2
fi
# The busy processes, stopped by their PIDs whenever the script ends, on failure and on
# a signal too, so they never outlive it.
load_pids=()
stop_load() {
  local pid
  for pid in ${load_pids[@]+"${load_pids[@]}"}; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  load_pids=()
}
start_load() { # count
  local i
  for ((i = 0; i < $1; i++)); do
    sh -c 'while :; do :; done' &
    load_pids+=("$!")
  done
}
trap stop_load EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

./scripts/setup-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
run_suite() { # name, build dir, busy processes beside its tests, extra cmake args...
  local name=$1 dir=$2 busy=$3; shift 3
  if [ "$busy" -gt 0 ]; then echo "== $name, beside $busy busy processes"; else echo "== $name"; fi
  cmake -S . -B "$dir" -DTP_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  start_load "$busy"
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
  stop_load
}

# TP_MPI=ON: terrapage-mpi must build here and its test (two ranks) must run.
run_suite "tests (Release)" build/test "$load" -DCMAKE_BUILD_TYPE=Release -DTP_MPI=ON
run_suite "tests (ASan + UBSan)" build/asan 0 -DCMAKE_BUILD_TYPE=Debug \
  -DTP_SANITIZE=address,undefined -DTP_MPI=ON

# ThreadSanitizer over the runtime, whose worker threads share the queue, the pins and
# the reader. Built with clang. OMP_TOOL=disabled: libomp loads its TSan tool by itself
# when TSan is present, and that tool crashes at exit in the forked processes Check runs
# each test in (the runtime itself uses no OpenMP; only the test's baker does).
if command -v clang >/dev/null 2>&1; then
  echo "== runtime tests (ThreadSanitizer)"
  cmake -S . -B build/tsan -DTP_WERROR=ON -DCMAKE_C_COMPILER=clang \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTP_SANITIZE=thread -DTP_BUILD_TOOLS=OFF \
        -DTP_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build build/tsan -j "$jobs" --target test_runtime test_bake
  (cd build/tsan && OMP_TOOL=disabled TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
     ctest --output-on-failure -R '^runtime$')
  # The baker's OpenMP pipeline: libomp is not instrumented, so TSan needs Archer (LLVM's
  # OpenMP tool) to see its barriers and task waits. Archer does not survive Check's
  # forks, so this suite runs in one process.
  archer=$(ls /usr/lib/llvm-*/lib/libarcher.so 2>/dev/null | head -n 1 || true)
  if [ -n "$archer" ]; then
    echo "== baker tests (ThreadSanitizer + Archer)"
    (cd build/tsan && CK_FORK=no OMP_TOOL_LIBRARIES="$archer" \
       TSAN_OPTIONS="halt_on_error=1 ignore_noninstrumented_modules=1" ./tests/test_bake)
  else
    echo "== baker tests under ThreadSanitizer skipped: no libarcher.so (LLVM's OpenMP tool)"
  fi
fi

# The installed package, used the way a game uses it: pkg-config and find_package; and
# the 3-D viewer built against it, flown headless with every frame checked for holes.
echo "== install check"
TP_REQUIRE_VIEWER=1 bash examples/check-install.sh build/test

if command -v clang >/dev/null 2>&1; then
  echo "== fuzzing the reader, the mesh decoder, the tools' page-file path and world files (bounded)"
  cmake -S . -B build/fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DTP_BUILD_FUZZ=ON \
        -DTP_BUILD_TOOLS=OFF >/dev/null
  cmake --build build/fuzz -j "$jobs"
  bash tests/fuzz/run.sh build/fuzz "${TP_FUZZ_SECONDS:-60}"
fi
echo "== all tests passed"
