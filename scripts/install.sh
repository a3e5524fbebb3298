#!/usr/bin/env bash
# Installs what nahraum needs on a fresh Debian machine: Python packages into .venv and the
# front-end libraries from the npm registry (package-lock.json). With --test it also installs
# what the test suite needs: PostgreSQL, Redis, Debian's chromium, poppler-utils (pdftotext), gettext.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

apt_packages=()
command -v node >/dev/null 2>&1 || apt_packages+=(nodejs npm)
command -v msgfmt >/dev/null 2>&1 || apt_packages+=(gettext)
if [ "$want_test" = 1 ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_packages+=(postgresql)
  [ -x /usr/bin/chromium ] || apt_packages+=(chromium)
  command -v pdftotext >/dev/null 2>&1 || apt_packages+=(poppler-utils)
  command -v redis-server >/dev/null 2>&1 || apt_packages+=(redis-server)
fi
if [ "${#apt_packages[@]}" -gt 0 ]; then
  echo "== apt-get install ${apt_packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "$want_test" = 1 ]; then
  .venv/bin/python -m pip install -q -e ".[dev,bench]"
else
  .venv/bin/python -m pip install -q -e .
fi
# numba compiles the routing kernels on first use (~15 s): now, into its cache, not on a first click.
.venv/bin/python -c "from nahraum.access.warmup import warm_up; print(f'== numba kernels ready ({warm_up():.0f} s)')"

npm ci --no-audit --no-fund --silent
# Translations: compiled from the .po files kept in the repository (the .mo files are not).
if ls src/nahraum/*/locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then
  # (compiling needs no secret; a placeholder keeps the settings from refusing to load)
  (cd src/nahraum && NAHRAUM_SECRET_KEY="${NAHRAUM_SECRET_KEY:-compilemessages-only}" \
    ../../.venv/bin/nahraum manage compilemessages -v 0)
fi
