#!/usr/bin/env bash
# Distributed training with PyTorch's launcher (torchrun, through
# mmkd/cli/torchrun.py: no failure dump after an error a tool reported).
#   bash tools/dist_train.sh CONFIG NUM_PROCS [train.py options]
# Several nodes: set NNODES, NODE_RANK, MASTER_ADDR and PORT on each node.
# Without GPUs, processes train on CPU with the gloo backend.
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
# the environment the README sets up, unless PYTHON says otherwise
VENV_PY="$(dirname "$0")/../.venv/bin/python"
if [ -z "${PYTHON:-}" ]; then
  if [ -x "$VENV_PY" ]; then PYTHON=$VENV_PY; else PYTHON=python; fi
fi

PYTHONPATH="$(dirname "$0")/..":${PYTHONPATH:-} \
"$PYTHON" -m mmkd.cli.torchrun \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$(dirname "$0")/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
