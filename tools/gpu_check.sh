#!/usr/bin/env bash
# The GPU checks, as one short script for a machine with a CUDA GPU (about two minutes).
# Usage: bash tools/gpu_check.sh [output folder]   (run after `make env`)
# Writes the card's name, the cuda-marked tests' result and the benchmark table there.
set -euo pipefail
out="${1:-gpu-results}"
mkdir -p "$out"
py=.venv/bin/python
{ date -u +%Y-%m-%d; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; } \
    | tee "$out/card.txt"
$py -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print(torch.__version__, torch.version.cuda)" \
    | tee -a "$out/card.txt"
$py -m pytest -q -p no:cacheprovider -m cuda tests 2>&1 | tee "$out/tests.txt"
$py -m cnncourse.bench --device cuda --repeat 5 2>&1 | tee "$out/bench.txt"
