#!/usr/bin/env bash
# Installs the Debian 12 packages terrapage needs to build and test, if any are missing.
# As root it uses apt-get; otherwise it names the packages to install and exits 1.
set -euo pipefail

packages=(build-essential cmake pkg-config liblz4-dev libxxhash-dev libpng-dev check
          clang libclang-rt-14-dev libomp-dev
          xz-utils # the fuzzers' committed corpora (tests/fuzz/corpus/*.tar.xz)
          # the terrapage command only (never libterrapage): JSON output, world files, the
          # soak pictures
          libjansson-dev libyaml-dev libcairo2-dev libfontconfig-dev fonts-dejavu-core
          # the 3-D viewer (examples/viewer) only: a window (GLFW), OpenGL and EGL through
          # libglvnd, and Mesa's EGL and software rasteriser to draw headless
          libglfw3-dev libopengl-dev libegl-dev libegl-mesa0 libgl1-mesa-dri
          # terrapage-mpi, the MPI bake (optional to build; CI builds and tests it)
          libopenmpi-dev openmpi-bin)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "terrapage: missing Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "terrapage: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
