#!/usr/bin/env bash
# One command from a fresh clone to the whole test suite: installs everything, starts a real
# PostgreSQL server (as an unprivileged user, since the server refuses to run as root) and a Redis
# server, runs the linter, then the suite on SQLite and again on PostgreSQL, browser tests in
# Debian's chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

# numba: one on-disk cache for install.sh's warm-up, both passes and any xdist worker, kept in var/
# between runs, so the kernels are compiled once and not again in the first test that calls them.
export NUMBA_CACHE_DIR="$root/var/numba-cache"
mkdir -p "$NUMBA_CACHE_DIR"

bash scripts/install.sh --test
export PATH="$root/.venv/bin:$PATH"

echo "== ruff"
ruff check .
ruff format --check .

# The kernels, compiled once per run (see NUMBA_CACHE_DIR above): a no-op when install.sh's warm-up
# has just filled the cache, a safety net when it did not.
python -c "from nahraum.access.warmup import warm_up; print(f'== numba kernels ready ({warm_up():.0f} s)')"

# --- PostgreSQL: a throw-away cluster in a temporary folder, owned by the 'postgres' user ----
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_dir=$(mktemp -d /tmp/nahraum-pg.XXXXXX)
pg_port=${NAHRAUM_TEST_PG_PORT:-54329}
pg_user=postgres
id "$pg_user" >/dev/null 2>&1 || useradd --system --no-create-home "$pg_user"
chown "$pg_user" "$pg_dir"
chmod 700 "$pg_dir"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u "$pg_user" -- "$@"; else "$@"; fi; }
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U nahraum --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
stop_pg() { as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$pg_dir"; }
trap stop_pg EXIT
as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U nahraum nahraum

# --- Redis: a throw-away server without persistence, for the shared-cache tests -------------
redis_port=${NAHRAUM_TEST_REDIS_PORT:-63799}
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
  --pidfile "$pg_dir/redis.pid" --logfile "$pg_dir/redis.log" --dir "$pg_dir"
stop_all() {
  [ -f "$pg_dir/redis.pid" ] && kill "$(cat "$pg_dir/redis.pid")" 2>/dev/null || true
  stop_pg
}
trap stop_all EXIT
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
export NAHRAUM_TEST_REDIS_URL="redis://127.0.0.1:$redis_port/0"

export NAHRAUM_CHROMIUM=/usr/bin/chromium
export NAHRAUM_DATA_DIR="$root/var/test"
mkdir -p "$NAHRAUM_DATA_DIR"

status=0
echo "== pytest on SQLite (browser tests run in the PostgreSQL pass)"
env -u DATABASE_URL pytest -m "not browser" -p no:cacheprovider "$@" || status=1

echo "== pytest on PostgreSQL, with the browser tests"
DATABASE_URL="postgres://nahraum@127.0.0.1:$pg_port/nahraum" pytest -p no:cacheprovider "$@" || status=1

exit $status
