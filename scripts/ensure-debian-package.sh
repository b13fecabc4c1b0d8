#!/usr/bin/env bash
# ensure-debian-package.sh PATH PACKAGE: install Debian's PACKAGE when PATH is missing.
# `make test` uses it for /usr/bin/chromium (browser tests), `make bench` for graphviz's dot.
set -euo pipefail

TARGET=${1:?usage: ensure-debian-package.sh PATH PACKAGE}
PACKAGE=${2:?usage: ensure-debian-package.sh PATH PACKAGE}

if [ -x "$TARGET" ]; then
    exit 0
fi

echo "ensure: $TARGET is missing; installing the Debian '$PACKAGE' package"

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure: apt-get not found. Install $PACKAGE so that $TARGET exists, then re-run." >&2
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "ensure: not root and sudo is unavailable. Run as root: apt-get update && apt-get install -y $PACKAGE" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! "${SUDO[@]}" apt-get update -qq || ! "${SUDO[@]}" apt-get install -y -qq "$PACKAGE"; then
    echo "ensure: installing $PACKAGE with apt-get failed. Install it by hand: apt-get update && apt-get install -y $PACKAGE" >&2
    exit 1
fi

if [ ! -x "$TARGET" ]; then
    echo "ensure: the $PACKAGE package is installed but $TARGET does not exist." >&2
    exit 1
fi
echo "ensure: $PACKAGE installed"
