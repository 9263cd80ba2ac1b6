#!/usr/bin/env bash
# The GPU checks as one short script, for a machine with a CUDA GPU (a minute or two).
#   bash tools/gpu_check.sh [output folder]
# Uses .venv/bin/python when `make env` has made it, else python3 with this checkout on
# PYTHONPATH (a GPU machine with torch, numpy, scipy, matplotlib and pytest installed, but
# no network, needs nothing else). Saves the card's name, the cuda-marked tests' result and
# the benchmark table (torch backend and cuDNN on the GPU, checked against the CPU).
set -euo pipefail
out="${1:-gpu-results}"
mkdir -p "$out"
py=.venv/bin/python
if [ ! -x "$py" ]; then
    py=python3
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
if ! "$py" -c "import torch, sys; sys.exit(not torch.cuda.is_available())" 2>/dev/null; then
    echo "no CUDA GPU visible to torch on this machine: the GPU checks are skipped"
    exit 0
fi
{
    date -u +%Y-%m-%d
    nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
    "$py" -c "import torch; \
print('torch', torch.__version__, 'CUDA', torch.version.cuda, torch.cuda.get_device_name())"
} 2>&1 | tee "$out/card.txt"
# Only the files with GPU tests: the others need the book's tools (browser, widgets).
"$py" -m pytest -q -p no:cacheprovider -m cuda \
    tests/test_torch_backend.py tests/test_bench.py tests/test_reference.py 2>&1 \
    | tee "$out/tests.txt"
PYTHONUNBUFFERED=1 "$py" -m cnncourse.bench --device cuda --repeat 5 2>&1 | tee "$out/bench.txt"
