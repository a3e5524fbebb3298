"""Limits on what an input file may cost: archive size, compression ratio, rows, field length.

Why one place: every reader of users' files (GTFS feeds, region files, districts, facilities,
cells, shapefiles in a zip, GeoPackages) must refuse a zip bomb or a runaway field *the same
way*, before it costs memory, and an operator who imports a national feed must be able to raise
the limits once for all of them. The engine reads the limits from the environment, so it stays a
plain library (no Django settings) and a notebook user can pass their own :class:`InputLimits`.

The defaults fit a national feed (Germany's GTFS: about 2 GB of text, 40 million stop times) on a
24 GB machine, read in a streaming way; they refuse the classic bomb (a few MB that inflate to
hundreds of MB or more at a ratio no real CSV reaches).

Variables (all optional; whole numbers, sizes in bytes)::

    NAHRAUM_MAX_UPLOAD_BYTES          size of the file as given           (default 8 GiB)
    NAHRAUM_MAX_UNCOMPRESSED_BYTES    all members of an archive together  (default 32 GiB)
    NAHRAUM_MAX_COMPRESSION_RATIO     per member above 1 MiB               (default 100)
    NAHRAUM_MAX_ROWS                  rows of one table                    (default 500,000,000)
    NAHRAUM_MAX_FIELD_CHARS           characters of one field              (default 100,000)
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import AccessError

GiB = 1024**3
MiB = 1024**2

#: Members smaller than this are not ratio-checked (a tiny calendar.txt may compress 300:1).
RATIO_CHECK_FROM_BYTES = MiB


class InputTooLargeError(AccessError):
    """An input file (or a member of an archive) is over one of the :class:`InputLimits`."""


@dataclass(frozen=True)
class InputLimits:
    """What one input file may cost; see the module docstring for the variables."""

    max_upload_bytes: int = 8 * GiB
    max_uncompressed_bytes: int = 32 * GiB
    max_compression_ratio: float = 100.0
    max_rows: int = 500_000_000
    max_field_chars: int = 100_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> InputLimits:
        """The limits with the operator's ``NAHRAUM_MAX_*`` variables applied.

        A variable that is not a positive number is an error that names it, not a silent default:
        an operator who meant to raise a limit must learn that it did not take.
        """
        env = os.environ if environ is None else environ
        values: dict[str, float | int] = {}
        for attr, var, kind in _VARIABLES:
            raw = env.get(var, "").strip().replace("_", "")
            if not raw:
                continue
            try:
                value = kind(raw)
            except ValueError:
                raise AccessError(f"{var}={env[var]!r} is not a number") from None
            if value <= 0:
                raise AccessError(f"{var}={env[var]!r} must be greater than 0")
            values[attr] = value
        return cls(**values)


_VARIABLES: tuple[tuple[str, str, type], ...] = (
    ("max_upload_bytes", "NAHRAUM_MAX_UPLOAD_BYTES", int),
    ("max_uncompressed_bytes", "NAHRAUM_MAX_UNCOMPRESSED_BYTES", int),
    ("max_compression_ratio", "NAHRAUM_MAX_COMPRESSION_RATIO", float),
    ("max_rows", "NAHRAUM_MAX_ROWS", int),
    ("max_field_chars", "NAHRAUM_MAX_FIELD_CHARS", int),
)


def human_bytes(n: float) -> str:
    """``1.5 GiB``-style sizes for messages."""
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} GiB"  # pragma: no cover - loop always returns


def check_file_size(path: str | Path, limits: InputLimits | None = None) -> None:
    """Refuse a file larger than ``max_upload_bytes`` before a byte of it is read."""
    limits = limits or InputLimits.from_env()
    size = Path(path).stat().st_size
    if size > limits.max_upload_bytes:
        raise InputTooLargeError(
            f"{Path(path).name}: {human_bytes(size)} is more than the limit of "
            f"{human_bytes(limits.max_upload_bytes)} (NAHRAUM_MAX_UPLOAD_BYTES)"
        )


def check_zip(zf: zipfile.ZipFile, name: str, limits: InputLimits | None = None) -> None:
    """Refuse an archive whose members would inflate beyond the limits, from its directory alone.

    Why the declared sizes can be trusted: CPython's ``ZipExtFile`` never returns more than a
    member's declared ``file_size`` (and fails its CRC check if the data were longer), so a member
    cannot inflate past what is checked here. Readers should still stream members, not read
    them whole: the limits bound the disk and time an import may take, streaming bounds memory.
    """
    limits = limits or InputLimits.from_env()
    total = 0
    for info in zf.infolist():
        if info.is_dir():
            continue
        total += info.file_size
        if info.file_size >= RATIO_CHECK_FROM_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise InputTooLargeError(
                    f"{name}: member {info.filename} inflates {ratio:,.0f}-fold "
                    f"({human_bytes(info.compress_size)} → {human_bytes(info.file_size)}); "
                    f"more than {limits.max_compression_ratio:,.0f}-fold is refused as a "
                    "zip bomb (NAHRAUM_MAX_COMPRESSION_RATIO)"
                )
    if total > limits.max_uncompressed_bytes:
        raise InputTooLargeError(
            f"{name}: the archive unpacks to {human_bytes(total)}, more than the limit of "
            f"{human_bytes(limits.max_uncompressed_bytes)} (NAHRAUM_MAX_UNCOMPRESSED_BYTES)"
        )
