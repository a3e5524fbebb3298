"""The production application server: gunicorn, started from ``nahraum serve`` and ``nahraum demo``.

Why gunicorn (and not granian): it is the WSGI server Django's own deployment guide describes,
Debian packages it, and town-hall IT knows it; its pre-fork workers are separate processes, so
an analysis that takes a worker's memory or a crash in a native library (numba, HiGHS, GDAL)
ends one worker, which the arbiter replaces, not the site; ``HUP`` reloads code gracefully and
``max_requests`` recycles workers. Granian is faster on raw HTTP, but our time per request goes
to Django, templates and the engine, not to the HTTP layer (benchmarks/README.md, load). The
``gthread`` worker class keeps pages answering while a thread waits for the database or a slow
endpoint. Static files come from WhiteNoise inside the application, so no web server is needed
in front (one may still terminate HTTPS: docs/operating.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication


def default_workers() -> int:
    """Worker processes: ``NAHRAUM_WEB_WORKERS`` or 2 per core plus one, at most 8.

    Each worker holds the region's arrays when it serves analysis pages, so more than 8 mostly
    costs memory on the machines a municipality runs.
    """
    configured = os.environ.get("NAHRAUM_WEB_WORKERS", "").strip()
    if configured:
        return max(1, int(configured))
    return min(8, 2 * (os.cpu_count() or 1) + 1)


class NahraumServer(BaseApplication):
    """gunicorn configured from Python (no config file to keep in step with the settings)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key.lower(), value)

    def load(self) -> Callable:
        from nahraum.web.wsgi import application

        return application


def server_options(
    host: str, port: int, workers: int, threads: int, timeout: int
) -> dict[str, Any]:
    """The gunicorn settings `nahraum serve` uses; a function so a test can read them."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread" if threads > 1 else "sync",
        "threads": threads,
        # Heavy work runs in the job worker; a request longer than this is a bug to see.
        "timeout": timeout,
        "graceful_timeout": 30,
        "keepalive": 5,
        # Recycle workers now and then: numpy/numba arenas only grow.
        "max_requests": 2000,
        "max_requests_jitter": 200,
        # One access line per request comes from our middleware (with request id); gunicorn's
        # error log goes to stderr, where systemd/journald collects it.
        "accesslog": None,
        "errorlog": "-",
        "loglevel": os.environ.get("NAHRAUM_LOG_LEVEL", "warning").lower(),
        "proc_name": "nahraum-web",
        # gunicorn's own lines (start, worker exits) in the same format as ours
        "logconfig_dict": _gunicorn_logging(),
        # Trust X-Forwarded-* only from the proxy on this machine (gunicorn's default), or from
        # the addresses the operator names.
        "forwarded_allow_ips": os.environ.get("NAHRAUM_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
    }


def static_fingerprint() -> str:
    """What collectstatic would copy: every source file's name, size and modification time."""
    import hashlib

    from django.contrib.staticfiles.finders import get_finders

    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = Path(storage.path(path)).stat()
            digest.update(f"{getattr(storage, 'prefix', '')}/{path}|{stat.st_size}|".encode())
            digest.update(str(stat.st_mtime_ns).encode())
    return digest.hexdigest()


def _gunicorn_logging() -> dict[str, Any]:
    json_logs = os.environ.get("NAHRAUM_LOG_FORMAT", "text").strip().lower() == "json"
    formatter = "nahraum.ops.logs.JsonFormatter" if json_logs else "nahraum.ops.logs.TextFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"nahraum": {"()": formatter}},
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "nahraum",
                "stream": "ext://sys.stderr",
            }
        },
        # gunicorn merges this over its defaults key by key: root must name our handler too
        "root": {"level": "WARNING", "handlers": ["error_console"]},
        "loggers": {"gunicorn.error": {"handlers": ["error_console"], "propagate": False}},
    }


def prepare_static() -> bool:
    """Collect static files with hashed names and compressed copies (WhiteNoise serves them).

    Compressing takes half a minute, so it runs only when a source file changed since the
    last collection (an upgrade, a new front-end library); returns whether it ran.
    """
    from django.conf import settings
    from django.core.management import call_command

    mark = Path(settings.STATIC_ROOT) / ".nahraum-collected"
    fingerprint = static_fingerprint()
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file() and mark.is_file() and mark.read_text() == fingerprint:
        return False
    call_command("collectstatic", interactive=False, verbosity=0)
    mark.write_text(fingerprint)
    return True


def start_worker_process() -> subprocess.Popen:
    """A job worker beside the demo's web server, so that the demo needs no second terminal."""
    return subprocess.Popen([sys.executable, "-m", "nahraum.cli", "worker"])


def run(options: dict[str, Any]) -> None:
    """Serve until stopped (SIGTERM/SIGINT: graceful shutdown of every worker)."""
    NahraumServer(options).run()
