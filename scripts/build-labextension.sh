#!/usr/bin/env bash
# Rebuild the JupyterLab extension (labextension/ -> dl_notebook/labextension/) when its
# sources are newer than the built output and node is available; then refresh the copy that
# an editable install of .venv serves. Does nothing (quietly) when there is nothing to do,
# and uses the committed build when node is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

ext=labextension
out=dl_notebook/labextension
installed=.venv/share/jupyter/labextensions/dl-notebook

[ -f "$ext/package.json" ] || exit 0
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "build-labextension: node/npm not found; using the prebuilt labextension"
    exit 0
fi

# `jupyter labextension build` must come from the project environment.
export PATH="$PWD/.venv/bin:$PATH"

# Dependencies: (re)installed from the lock file when it changed.
if [ ! -f "$ext/node_modules/.package-lock.json" ] \
    || [ "$ext/package-lock.json" -nt "$ext/node_modules/.package-lock.json" ] \
    || [ "$ext/package.json" -nt "$ext/node_modules/.package-lock.json" ]; then
    (cd "$ext" && npm ci --no-audit --no-fund)
fi

# Build when an input is newer than the built package.json (rewritten by every build).
if [ ! -f "$out/package.json" ] || [ -n "$(find "$ext/src" "$ext/style" "$ext/package.json" \
        "$ext/tsconfig.json" "$ext/package-lock.json" -newer "$out/package.json" -print -quit)" ]; then
    echo "build-labextension: building $out"
    (cd "$ext" && npm run build)
fi

# An editable install copied the output into .venv at install time: keep that copy current.
if [ -d "$installed" ] && ! diff -rq --exclude=install.json "$out" "$installed" >/dev/null 2>&1; then
    echo "build-labextension: refreshing $installed"
    rm -rf "$installed/static"
    cp -R "$out/." "$installed/"
fi
