#!/usr/bin/env bash
# Get everything `make demo` (and `make workshop`) shows ready: the dashboards and their data.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-.venv/bin/python}"

for notebook in notebooks/dashboards/train_inspect.ipynb notebooks/workshop.ipynb; do
    if [ ! -f "$notebook" ]; then
        echo "prepare-demo: $notebook is missing." >&2
        exit 1
    fi
done

# Data for the dashboards and workshop notebooks: sklearn's handwritten digits as a PNG
# folder tree (data/digits/0..9/*.png, 32x32). Offline; a complete tree is kept as is.
"$PYTHON" -c "from dl_notebook.data.datasets import digits; digits('data/digits', size=32)"
echo "prepare-demo: digits images (32x32 PNG, one folder per class) are in $(pwd)/data/digits"

# The 'Train and inspect' dashboard imports TensorFlow, Keras and its widgets: check
# them now, so that a broken install shows here and not as an empty page.
"$PYTHON" -c "import dl_notebook.widgets.live, dl_notebook.widgets.train_inspect, dl_notebook.applications" \
    || { echo "prepare-demo: the dashboard's modules do not import; reinstall with 'make distclean demo'." >&2; exit 1; }

echo "prepare-demo: notebooks ready (python: $PYTHON)"
