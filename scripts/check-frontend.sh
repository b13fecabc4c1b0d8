#!/usr/bin/env bash
# Lint (Prettier, ESLint) and unit-test the front end: the JupyterLab extension's TypeScript
# (labextension/src, labextension/test) and the notebook widgets' ES modules
# (dl_notebook/widgets/_*.js). Needs node and npm; without them it says so and does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

ext=labextension

[ -f "$ext/package.json" ] || exit 0
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "check-frontend: node/npm not found; front-end lint and unit tests skipped"
    exit 0
fi

# Dependencies: (re)installed from the lock file when it changed.
if [ ! -f "$ext/node_modules/.package-lock.json" ] \
    || [ "$ext/package-lock.json" -nt "$ext/node_modules/.package-lock.json" ] \
    || [ "$ext/package.json" -nt "$ext/node_modules/.package-lock.json" ]; then
    (cd "$ext" && npm ci --no-audit --no-fund)
fi

status=0
echo "check-frontend: lint (prettier, eslint)"
(cd "$ext" && npm run --silent lint:check) || status=1
echo "check-frontend: unit tests (node --test)"
(cd "$ext" && npm run --silent test) || status=1
if [ "$status" -ne 0 ]; then
    echo "check-frontend: failed (\`cd $ext && npm run lint\` fixes the formatting)" >&2
fi
exit "$status"
