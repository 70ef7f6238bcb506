#!/usr/bin/env bash
# Set up everything mmkd needs, reusing whatever is already there.
#
#   bash tools/setup_env.sh            # into ./.venv (created if missing)
#   MMKD_VENV=/path/env bash tools/setup_env.sh
#   MMKD_USE_CURRENT_PYTHON=1 bash tools/setup_env.sh   # into the active env
#
# A torch >= 2.1 with a working torchvision that is already in the environment
# is kept; otherwise torch 2.14.1 with torchvision 0.29.1 is installed (they
# run on a CPU-only machine and on a GPU). mmcv 2.1.0 is compiled with its ops
# against that torch (about 6-30 minutes on 2 cores the first time); the built
# wheel is kept per torch version in ~/.cache/mmkd/wheels, so later set-ups,
# in any checkout, take seconds.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
PYTHON=${PYTHON:-python3}
TORCH_SPEC=${MMKD_TORCH:-torch==2.14.1 torchvision==0.29.1}
WHEEL_CACHE=${MMKD_WHEEL_CACHE:-$HOME/.cache/mmkd/wheels}
STEPS=6
step() { echo "[mmkd setup $1/$STEPS] $2"; }

if [ "${MMKD_USE_CURRENT_PYTHON:-0}" = "1" ]; then
  PY=$(command -v "$PYTHON")
else
  VENV=${MMKD_VENV:-$ROOT/.venv}
  if [ ! -x "$VENV/bin/python" ]; then
    step 1 "creating the virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
  else
    step 1 "using the virtual environment $VENV"
  fi
  PY=$VENV/bin/python
fi
PIP=("$PY" -m pip --disable-pip-version-check)

# requirement files decide whether an existing environment is up to date
STAMP_DIR=$("$PY" -c 'import sys; print(sys.prefix)')
STAMP="$STAMP_DIR/.mmkd-setup-$(cat requirements/*.txt setup.py tools/setup_env.sh | cksum | cut -d' ' -f1)"
ready() {
  "$PY" -c 'from mmkd.utils import check_task_dependencies as check; check("mmdet"); check("mmseg")'
}
if [ -f "$STAMP" ] && ready >/dev/null 2>&1; then
  echo "[mmkd setup] environment is up to date ($PY)"
  exit 0
fi

quiet_pip() {
  # quiet: errors and warnings only (no pages of "Requirement already
  # satisfied"), minus the noise of unreachable local index folders
  "${PIP[@]}" install -q --progress-bar off "$@" 2>&1 | grep -v -e 'is ignored: it is neither a file nor a directory' || return "${PIPESTATUS[0]}"
}

torch_ok() {
  "$PY" - <<'PY' >/dev/null 2>&1
import sys, torch, torchvision
from torchvision.ops import nms
nms(torch.zeros(1, 4), torch.zeros(1), 0.5)
sys.exit(tuple(int(v) for v in torch.__version__.split('.')[:2]) < (2, 1))
PY
}
if torch_ok; then
  step 2 "keeping the installed torch $("$PY" -c 'import torch; print(torch.__version__)') and its torchvision"
else
  step 2 "installing $TORCH_SPEC"
  # shellcheck disable=SC2086  # the spec is a list of requirements
  quiet_pip $TORCH_SPEC
  torch_ok || { echo "torch/torchvision do not work after installing $TORCH_SPEC" >&2; exit 1; }
fi

step 3 "installing build requirements and mmengine"
quiet_pip -r requirements/build.txt 'opencv-python>=4.10,<5' "$(grep '^mmengine' requirements/mminstall.txt)"

build_mmcv_wheel() {
  # mmcv 2.1.0's setup.py compiles with -std=c++17; torch's headers from
  # 2.10 on need C++20 (ATen.h says so), so the source is built with the
  # standard its torch asks for
  local src
  src=$(mktemp -d)
  "${PIP[@]}" download --no-deps --no-binary :all: -d "$src" mmcv==2.1.0 || return 1
  tar xzf "$src"/mmcv-2.1.0.tar.gz -C "$src" || return 1
  if "$PY" - <<'PY'
import os.path as osp, sys, torch
header = osp.join(osp.dirname(torch.__file__), 'include', 'ATen', 'ATen.h')
sys.exit(0 if 'C++20' in open(header).read() else 1)
PY
  then
    echo "torch needs C++20: building mmcv's ops with -std=c++20"
    sed -i "s/'-std=c++17'/'-std=c++20'/g" "$src"/mmcv-2.1.0/setup.py
  fi
  MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} "${PIP[@]}" wheel -v --no-deps --no-cache-dir \
    --no-build-isolation -w "$MMCV_WHEELS.tmp" "$src"/mmcv-2.1.0 || return 1
  mkdir -p "$WHEEL_CACHE" && rm -rf "$MMCV_WHEELS" && mv "$MMCV_WHEELS.tmp" "$MMCV_WHEELS"
  rm -rf "$src"
}

mmcv_ok() {
  "$PY" - <<'PY' >/dev/null 2>&1
import importlib, mmcv
assert mmcv.__version__ == '2.1.0'
importlib.import_module('mmcv._ext')
PY
}
if mmcv_ok; then
  step 4 "mmcv 2.1.0 with compiled ops is installed"
else
  if "$PY" -c 'import mmcv' >/dev/null 2>&1; then
    echo "  removing an mmcv without usable compiled ops"
    "${PIP[@]}" uninstall -y mmcv >/dev/null
  fi
  step 4 "installing mmcv 2.1.0 with compiled ops (a fresh build takes 6-30 min on 2 cores; a kept wheel takes seconds)"
  LOG=$STAMP_DIR/mmcv-build.log
  # pip's own wheel cache does not know which torch a wheel was built
  # against, so mmkd keeps the built wheel per torch version
  TORCH_TAG=$("$PY" -c 'import torch; print(torch.__version__.replace("+", "_"))')
  MMCV_WHEELS=$WHEEL_CACHE/mmcv-2.1.0-torch$TORCH_TAG
  (if ! ls "$MMCV_WHEELS"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
     build_mmcv_wheel
   fi >"$LOG" 2>&1 &&
     "${PIP[@]}" install "$MMCV_WHEELS"/mmcv-2.1.0-*.whl >>"$LOG" 2>&1
   echo $? >"$LOG.rc") &
  BUILD_PID=$!
  START=$(date +%s)
  while kill -0 "$BUILD_PID" 2>/dev/null; do
    sleep 30
    if kill -0 "$BUILD_PID" 2>/dev/null; then
      DONE=$(grep -o '\[[0-9]*/[0-9]*\]' "$LOG" | tail -n 1 || true)
      echo "  ... $(( ($(date +%s) - START) / 60 )) min, compiled ${DONE:-[preparing]} (log: $LOG)"
    fi
  done
  wait "$BUILD_PID" || true
  if [ "$(cat "$LOG.rc")" != "0" ] || ! mmcv_ok; then
    echo "mmcv installation failed; last lines of $LOG:" >&2
    tail -n 30 "$LOG" >&2
    exit 1
  fi
fi

step 5 "installing mmdet, mmsegmentation, mmpretrain, timm and the other requirements"
quiet_pip -r requirements/runtime.txt -r requirements/det.txt -r requirements/seg.txt \
  -r requirements/cls.txt -r requirements/tests.txt -r requirements/mminstall.txt

step 6 "installing mmkd from $ROOT (editable)"
quiet_pip --no-deps --no-build-isolation -e .
# a wheel brings mmkd_config_scope.pth, which lets MMEngine's (and mmdet's)
# own tools resolve `_base_ = 'mmkd::...'`; an editable install does not
"$PY" - "$ROOT" <<'PY'
import os.path as osp, sys, sysconfig
sys.path.insert(0, sys.argv[1])
from setup import SCOPE_PTH, SCOPE_PTH_LINE
with open(osp.join(sysconfig.get_paths()['purelib'], SCOPE_PTH), 'w') as f:
    f.write(SCOPE_PTH_LINE)
PY
ready
"$PY" -c 'import mmkd, mmdet.models, mmseg.models; print("  mmkd", mmkd.__version__, "is ready")'
rm -f "$STAMP_DIR"/.mmkd-setup-*
touch "$STAMP"
