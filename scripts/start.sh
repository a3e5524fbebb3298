#!/usr/bin/env bash
# One command from a fresh clone to the running demo: install, migrate, load the bundled
# Lemgo–Kalletal region (SQLite under ./var), analyse it and serve it on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/nahraum demo "$@"
