#!/usr/bin/env bash
# Rebuild the JupyterLab extension in labextension/ when it exists and node is available.
# Does nothing (quietly) otherwise: the built output shipped with the package is used.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -f labextension/package.json ] || exit 0
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "build-labextension: node/npm not found; using the prebuilt labextension"
    exit 0
fi

# `jupyter labextension build` must come from the project environment.
export PATH="$PWD/.venv/bin:$PATH"
cd labextension
if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund
else
    npm install --no-audit --no-fund
fi
npm run build
