"""Errors of the engine.

Every error the engine raises on bad input is an :class:`AccessError`, a ``ValueError``, so that
callers (importers, the CLI, the web) can catch one type and show its message, which always names
the bad thing (a file, a mode, a point id) and what would have been accepted.
"""

from __future__ import annotations


class AccessError(ValueError):
    """Bad input to the accessibility engine (unknown mode, unreadable file, bad arrays …)."""


class OSMReadError(AccessError):
    """An OSM file could not be read (missing, empty, truncated, not OSM)."""


class NoRoadsError(AccessError):
    """An OSM file (or its clipped part) holds no usable roads for a mode."""


MODES: tuple[str, ...] = ("walk", "bike", "car")


def check_mode(mode: str) -> str:
    """Return ``mode`` if known, else raise naming the known modes."""
    if mode not in MODES:
        raise AccessError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
    return mode
