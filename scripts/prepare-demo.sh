#!/usr/bin/env bash
# Get everything `make demo` shows ready: the workshop notebook and its data.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-.venv/bin/python}"

if [ ! -f notebooks/workshop.ipynb ]; then
    echo "prepare-demo: notebooks/workshop.ipynb is missing." >&2
    exit 1
fi

# Data for the workshop notebooks. The step that writes the bundled datasets
# (e.g. sklearn's digits as a PNG folder tree under data/) goes here, run with
# "$PYTHON"; it must be idempotent and work offline.

echo "prepare-demo: notebooks ready (python: $PYTHON)"
