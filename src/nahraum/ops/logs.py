"""Log lines an operator can search: one line per event, a request id on every line of a request.

``settings.LOGGING`` wires :class:`RequestIdFilter` and one of the two formatters to the
console handler; ``NAHRAUM_LOG_FORMAT=json`` picks :class:`JsonFormatter` (one JSON object per
line, for journald, Loki or Elasticsearch), anything else :class:`TextFormatter`.
:class:`RequestLogMiddleware` sets the request id (a context variable, so every record logged
while the request runs carries it, whatever the logger) and writes one access line per request
to ``nahraum.request``.

What never goes into a line: query strings (they may carry tokens), request bodies, cookies,
user names or e-mail addresses (the user's numeric id only).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

#: The id of the request being handled in this context, or None outside a request.
request_id_var: ContextVar[str | None] = ContextVar("nahraum_request_id", default=None)

#: An incoming X-Request-ID is kept only when it is a plain token: no spaces, no control
#: characters, nothing a log parser or a terminal could trip over, at most 64 characters.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")

#: Attributes a record may carry from the access line; copied into the JSON object when present.
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "user_id")

#: Paths logged at DEBUG instead of INFO: a load balancer probes them every few seconds.
QUIET_PATHS = frozenset({"/healthz"})

access_logger = logging.getLogger("nahraum.request")


def current_request_id() -> str | None:
    """The request id of the request being handled, for code that wants to pass it on (jobs)."""
    return request_id_var.get()


def request_id_from(header: str | None) -> str:
    """The incoming X-Request-ID if it is a sane token, else a fresh uuid4 hex."""
    if header and SANE_REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


def _record_request_id(record: logging.LogRecord) -> str:
    """The request id for a record: the context's, or that of the request the record names
    (Django logs a 4xx/5xx response with ``extra={"request": …}`` after the middleware ran)."""
    rid = getattr(record, "request_id", None) or request_id_var.get()
    if not rid:
        rid = getattr(getattr(record, "request", None), "request_id", None)
    return rid or "-"


class RequestIdFilter(logging.Filter):
    """Puts ``request_id`` on every record ("-" outside a request) so formatters can use it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _record_request_id(record)
        return True


def _one_line(text: str) -> str:
    return text.replace("\r", "").replace("\n", "\\n")


class TextFormatter(logging.Formatter):
    """``time level logger [request id] message``, tracebacks folded into the same line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        # Python's warnings would otherwise go to stderr as two raw lines each.
        logging.captureWarnings(True)

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = _record_request_id(record)
        return _one_line(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, the
    access fields when the record has them, and ``exc`` with the traceback of an exception."""

    def __init__(self) -> None:
        super().__init__()
        logging.captureWarnings(True)  # warnings become records too, so every line is JSON

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if (rid := _record_request_id(record)) == "-" else rid,
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                data[name] = getattr(record, name)
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            data["exc"] = record.exc_text
        return json.dumps(data, ensure_ascii=False, default=str)


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id, but only if the request looked at the user anyway: reading
    ``request.user`` here would cost a session and a user query on pages that never needed it."""
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if getattr(user, "is_authenticated", False) else None


class RequestLogMiddleware:
    """The outermost middleware: request id in, ``X-Request-ID`` out, one access line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get("X-Request-ID"))
        token = request_id_var.set(request_id)
        request.request_id = request_id
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            status = response.status_code
            level = logging.WARNING if status >= 500 else logging.INFO
            if request.path in QUIET_PATHS and status < 500:
                level = logging.DEBUG
            access_logger.log(
                level,
                "%s %s %s %.1f ms",
                request.method,
                request.path,
                status,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,  # never the query string: it may carry a token
                    "status": status,
                    "duration_ms": duration_ms,
                    "user_id": _user_id(request),
                },
            )
            return response
        finally:
            request_id_var.reset(token)
