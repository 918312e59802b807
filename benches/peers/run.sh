#!/usr/bin/env bash
# Measures Kalshi's official Python SDK (PyPI `kalshi-python-sync`) on the same
# workloads as this crate's bench report, against the report's own canned server, and
# writes the figures as JSON. Optional: nothing in `cargo test` runs it. See README.md.
#
#   bash benches/peers/run.sh --base-url http://127.0.0.1:PORT/trade-api/v2 \
#       --key-id ID --rsa-key RSA.pem --ed25519-key ED.pem --fills 10000 --out peers.json
#
# The report runs it for you with BENCH_PEERS=1 (it passes its server's URL):
#   BENCH_PEERS=1 cargo run --release --example bench_report
#
# Environment:
#   KALSHI_PEERS_VENV   the scratch virtual environment (default
#                       ${TMPDIR:-/tmp}/kalshi-portfolio-peers-venv); made on first use
#   KALSHI_PEERS_PYTHON a Python >= 3.13 to make it with (the SDK requires 3.13);
#                       default: the first of python3.14, python3.13, pyenv's 3.13/3.14
set -euo pipefail

SDK_VERSION="3.34.0"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${KALSHI_PEERS_VENV:-${TMPDIR:-/tmp}/kalshi-portfolio-peers-venv}"

find_python() {
    if [[ -n "${KALSHI_PEERS_PYTHON:-}" ]]; then
        echo "$KALSHI_PEERS_PYTHON"
        return
    fi
    local candidate
    for candidate in python3.14 python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 13) else 1)' 2>/dev/null; then
            command -v "$candidate"
            return
        fi
    done
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[3-9]*/bin/python3; do
        if [[ -x "$candidate" ]]; then
            echo "$candidate"
            return
        fi
    done
    echo "no Python >= 3.13 found (kalshi-python-sync $SDK_VERSION needs it); set KALSHI_PEERS_PYTHON" >&2
    exit 2
}

if [[ ! -x "$venv/bin/python" ]] ||
    ! "$venv/bin/python" -c "import kalshi_python_sync, sys; sys.exit(0 if kalshi_python_sync.__version__ == '$SDK_VERSION' else 1)" 2>/dev/null; then
    python="$(find_python)"
    echo "peers: making $venv with $python and kalshi-python-sync==$SDK_VERSION" >&2
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "kalshi-python-sync==$SDK_VERSION" >&2
fi

exec "$venv/bin/python" "$here/python_sdk.py" "$@"
