#!/usr/bin/env bash
# Checks the installed library the way a game uses it: installs a configured build tree
# into a temporary prefix, then builds the example against that prefix twice — with
# pkg-config and with find_package(terrapage), shared and static — and runs it on a
# small baked world. Then, when the example build found OpenGL, EGL and GLFW, flies the
# 3-D viewer headless (EGL, Mesa's software rasteriser) along a short path with every
# frame checked for holes, and checks that the check catches holes drawn on purpose
# (TP_REQUIRE_VIEWER=1 makes a viewer that was not built a failure). Last, checks that the installed headers declare with TP_API exactly
# what the installed library exports (scripts/check-exports.sh).
#
#   examples/check-install.sh BUILD_DIR [TERRAPAGE_TOOL]
#
# TERRAPAGE_TOOL (default BUILD_DIR/tools/terrapage) bakes the test world.
set -euo pipefail
build=$(cd "$1" && pwd)
tool=${2:-$build/tools/terrapage}
src=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
"$tool" bake -o "$work/world.tpk" --region 0,0,8,8 --samples 33 --quiet >/dev/null

pcdir=$(dirname "$(find "$prefix" -name terrapage.pc | head -n 1)")
export PKG_CONFIG_PATH=$pcdir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
libdir=$(pkg-config --variable=libdir terrapage)

echo "-- pkg-config, shared"
cc -std=c11 -Wall -Wextra -Werror -o "$work/walk-pc" "$src/stream_walk.c" \
   $(pkg-config --cflags --libs terrapage) -Wl,-rpath,"$libdir"
"$work/walk-pc" "$work/world.tpk" 120

echo "-- pkg-config, static"
cc -std=c11 -Wall -Wextra -Werror -o "$work/walk-pc-static" "$src/stream_walk.c" \
   $(pkg-config --cflags terrapage) "$libdir/libterrapage.a" \
   $(pkg-config --libs-only-l --static terrapage | sed 's/-lterrapage//')
"$work/walk-pc-static" "$work/world.tpk" 120 >/dev/null

for kind in shared static; do
  echo "-- find_package(terrapage), $kind"
  static=$([ $kind = static ] && echo ON || echo OFF)
  cmake -S "$src" -B "$work/example-$kind" -DCMAKE_PREFIX_PATH="$prefix" \
        -DTERRAPAGE_USE_STATIC_LIBS=$static -DCMAKE_BUILD_RPATH="$libdir" >/dev/null
  cmake --build "$work/example-$kind" >/dev/null
  "$work/example-$kind/stream_walk" "$work/world.tpk" 120 >/dev/null
done
viewer=$work/example-shared/viewer/viewer
if [ -x "$viewer" ]; then
  echo "-- viewer, headless: no pixel below the horizon shows the clear colour"
  "$tool" bake -o "$work/viewer.tpk" --region -8,-8,8,8 --quiet >/dev/null
  view=("$viewer" "$work/viewer.tpk" --path "$src/viewer/check-path.csv" --view 4
        --size 640x360 --check-holes)
  LIBGL_ALWAYS_SOFTWARE=1 "${view[@]}" --screenshot "$work/viewer.png" --json "$work/viewer.json"
  [ -s "$work/viewer.png" ] || { echo "the viewer wrote no screenshot" >&2; exit 1; }
  for fault in chunks winding; do
    if LIBGL_ALWAYS_SOFTWARE=1 "${view[@]}" --fault "$fault" 2>/dev/null; then
      echo "the hole check missed the holes of --fault $fault" >&2
      exit 1
    fi
  done
elif [ "${TP_REQUIRE_VIEWER:-0}" = 1 ]; then
  echo "the viewer was not built (its configure step says what is missing)" >&2
  exit 1
else
  echo "-- viewer not built (no OpenGL, EGL or GLFW): skipped"
fi
echo "-- exports"
bash "$src/../scripts/check-exports.sh" "$prefix"
echo "-- install check passed"
