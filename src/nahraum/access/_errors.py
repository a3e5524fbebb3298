"""Old home of :mod:`nahraum.access.errors`, kept only for tests outside ``tests/access`` that
still import it; import ``nahraum.access.AccessError`` (or ``nahraum.access.errors``) instead."""

from .errors import AccessError, NoRoadsError, OSMReadError  # noqa: F401
