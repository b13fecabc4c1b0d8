#!/usr/bin/env bash
# Get everything `make demo` shows ready: the workshop notebook and its data.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-.venv/bin/python}"

if [ ! -f notebooks/workshop.ipynb ]; then
    echo "prepare-demo: notebooks/workshop.ipynb is missing." >&2
    exit 1
fi

# Data for the workshop notebooks: sklearn's handwritten digits as a PNG folder
# tree (data/digits/0..9/*.png, 32x32). Offline; a complete tree is kept as is.
"$PYTHON" -c "from dl_notebook.data.datasets import digits; digits('data/digits', size=32)"
echo "prepare-demo: digits images (32x32 PNG, one folder per class) are in $(pwd)/data/digits"

echo "prepare-demo: notebooks ready (python: $PYTHON)"
