# Sourced by the README's commands: makes this checkout runnable on a fresh Debian 12 machine.
# Installs the headless GL libraries (and for the tests Chromium) when missing, creates .venv and installs the
# package into it.
# Rerunning is cheap: the pip step is skipped while setup.py is unchanged.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "bootstrap: need root (or sudo) to run: $*" >&2; exit 1; fi; }

missing=()
ldconfig -p 2>/dev/null | grep -q 'libEGL.so.1 ' || missing+=(libegl1)
ldconfig -p 2>/dev/null | grep -q 'libGL.so.1 ' || missing+=(libgl1)
compgen -G "/usr/lib/*/dri/swrast_dri.so" >/dev/null || missing+=(libgl1-mesa-dri)
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
# The test command (scripts/test.sh sets IGGAN_BOOTSTRAP_BROWSER=1) also needs Chromium: tests/test_report.py
# opens reports in it, WebGL through its bundled SwiftShader.
if [ "${IGGAN_BOOTSTRAP_BROWSER:-0}" = 1 ]; then command -v chromium >/dev/null || missing+=(chromium); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  python3 -m venv .venv
fi
flavour=cpu
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1 && flavour=gpu
stamp=".venv/.iggan_installed"
want="$(sha256sum setup.py | cut -c1-16)-$flavour"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: installing iggan_tf[$flavour,dev] into .venv (first time: a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[$flavour,dev]"
  echo "$want" > "$stamp"
fi
export PATH="$ROOT/.venv/bin:$PATH"
export PYOPENGL_PLATFORM="${PYOPENGL_PLATFORM:-egl}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
