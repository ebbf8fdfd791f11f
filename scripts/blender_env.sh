#!/usr/bin/env bash
# Creates .venv-blender at the repository root: the Python environment in which the `blender` renderer's
# workers run. bpy 5.0.1 from PyPI is built for Python 3.11 only and needs numpy < 2, while the project's
# .venv has numpy >= 2, so the workers get their own interpreter (iggan_tf.render.backends finds it here, or
# at $IGGAN_BLENDER_PYTHON). Installs the X11/GL client libraries bpy links against when missing.
# Rerunning is cheap: pip runs only when the pins below change. Exits non-zero when anything fails.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

# What the worker imports (iggan_tf.render.worker, geometry.meshing, geometry.voxelization) besides bpy,
# in the newest releases that still support numpy 1.26.
PINS=(bpy==5.0.1 numpy==1.26.4 scipy==1.17.1 scikit-image==0.26.0 trimesh==5.2.0)
VENV=.venv-blender

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "blender_env: need root (or sudo) to run: $*" >&2; exit 1; fi; }

python=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    python="$candidate"
    break
  fi
done
if [ -z "$python" ]; then
  echo "blender_env: bpy 5.0.1 needs Python 3.11 (python3.11 or a python3 of version 3.11), found none" >&2
  exit 1
fi

stamp="$VENV/.iggan_installed"
want="$(printf '%s\n' "${PINS[@]}" | sha256sum | cut -c1-16)"
if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

# Debian packages of the shared libraries bpy's module links against (everything else ships in the wheel).
declare -A libraries=(
  [libX11.so.6]=libx11-6 [libXext.so.6]=libxext6 [libXrender.so.1]=libxrender1 [libXfixes.so.3]=libxfixes3
  [libXi.so.6]=libxi6 [libxkbcommon.so.0]=libxkbcommon0 [libSM.so.6]=libsm6 [libICE.so.6]=libice6
  [libGL.so.1]=libgl1
)
missing=()
for soname in "${!libraries[@]}"; do
  ldconfig -p 2>/dev/null | grep -q "$soname " || missing+=("${libraries[$soname]}")
done
"$python" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "blender_env: installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "blender_env: creating $VENV"
  "$python" -m venv "$VENV"
fi
echo "blender_env: installing ${PINS[*]} into $VENV (first time: about a minute, 1.2 GB)"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "${PINS[@]}"
PYTHONPATH="$ROOT" "$VENV/bin/python" -c 'import bpy, iggan_tf.render.worker'
echo "$want" > "$stamp"
