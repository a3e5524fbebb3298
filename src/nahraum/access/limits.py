"""Limits on what an input file may cost: archive size, compression ratio, rows, field length.

Why one place: every reader of users' files (GTFS feeds, region files, districts, facilities,
cells, shapefiles in a zip, GeoPackages) must refuse a zip bomb or a runaway field *the same
way*, before it costs memory, and an operator who imports a national feed must be able to raise
the limits once for all of them. The engine reads the limits from the environment, so it stays a
plain library (no Django settings) and a notebook user can pass their own :class:`InputLimits`.

The defaults fit a national feed (Germany's GTFS: about 2 GB of text, 40 million stop times) on a
24 GB machine, read in a streaming way; they refuse the classic bomb (a few MB that inflate to
hundreds of MB or more at a ratio no real CSV reaches).

CSV tables are read by :class:`CsvReader`, in pieces of whole rows that :class:`CsvGuard` has
checked byte by byte first (field length, row length, row count), so that a table costs memory
by the piece, not by its size; GTFS feeds are read this way (``gtfs_read``).

Variables (all optional; whole numbers, sizes in bytes)::

    NAHRAUM_MAX_UPLOAD_BYTES          size of the file as given           (default 8 GiB)
    NAHRAUM_MAX_UNCOMPRESSED_BYTES    all members of an archive together  (default 32 GiB)
    NAHRAUM_MAX_COMPRESSION_RATIO     per member above 1 MiB               (default 100)
    NAHRAUM_MAX_ROWS                  rows of one table                    (default 500,000,000)
    NAHRAUM_MAX_FIELD_CHARS           characters of one field              (default 100,000)
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from .errors import AccessError

if TYPE_CHECKING:
    import pandas as pd

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
    check_size(Path(path).name, Path(path).stat().st_size, limits)


def check_size(name: str, size: int, limits: InputLimits | None = None) -> None:
    """Refuse ``size`` bytes over ``max_upload_bytes`` (for data given in memory, not as a file)."""
    limits = limits or InputLimits.from_env()
    if size > limits.max_upload_bytes:
        raise InputTooLargeError(
            f"{name}: {human_bytes(size)} is more than the limit of "
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


# -- CSV tables read in pieces of whole rows ---------------------------------------------------

#: Bytes read from a file or archive member at a time (and scanned by :class:`CsvGuard`).
CSV_BLOCK_BYTES = 4 * MiB
#: Bytes of CSV text parsed at once: one parsed piece costs about seven times this as pandas
#: strings, whatever the size of the whole table.
CSV_PIECE_BYTES = 16 * MiB
#: A row may be as long as this many longest fields (and at least CSV_PIECE_BYTES).
ROW_FIELDS = 64

_QUOTE, _COMMA, _NEWLINE = 34, 44, 10
_BOM = b"\xef\xbb\xbf"


class CsvFormatError(AccessError):
    """A CSV table that cannot be read: not UTF-8, broken quoting, a row of the wrong width.

    ``detail`` is the message without the table's name and ``row`` the line of the file
    (header = 1) where known, so a caller can name the place in its own terms (GTFS: file, row).
    """

    def __init__(self, name: str, detail: str, row: int | None = None) -> None:
        where = name if row is None else f"{name}, row {row}"
        super().__init__(f"{where}: {detail}")
        self.name, self.detail, self.row = name, detail, row


def _header_names(line: bytes) -> list[str]:
    """The names of a header row, for messages only (``[]`` if it cannot be read simply)."""
    try:
        text = line.removeprefix(_BOM).decode("utf-8").strip()
    except UnicodeDecodeError:
        return []
    if '"' in text:
        return []  # quoted names: left to the parser; a message then says "column n"
    return [name.strip() for name in text.split(",")]


def _chars(a: np.ndarray) -> int:
    """Characters in UTF-8 bytes: every byte that is not a continuation byte (10xxxxxx)."""
    return int(np.count_nonzero((a & 0xC0) != 0x80))


class CsvGuard:
    """Checks CSV bytes block by block before anything is parsed: no field over
    ``max_field_chars`` characters, no row over :attr:`max_row_bytes`, at most ``max_rows`` rows.

    Why on the bytes and not in the parser: pandas (like the ``csv`` module) holds a whole field
    and a whole chunk of rows before anyone can look at them, so a single 700 MB field, or a
    chunk of 100,000 rows of 100,000 characters each, would be read in full first. Quoting is
    followed by the parity of the ``"`` characters (RFC 4180 doubles a quote inside a quoted
    field, which keeps the parity) and characters are counted as UTF-8 lead bytes, vectorised
    with numpy: the guard costs a few percent of the parsing time.
    """

    def __init__(self, name: str, limits: InputLimits) -> None:
        self.name = name
        self.limits = limits
        #: the header's names, once known: they name the field in a message
        self.columns: list[str] = []
        #: rows ended so far, the header included (a quoted line break does not end a row)
        self.lines = 0
        self.max_row_bytes = max(CSV_PIECE_BYTES, ROW_FIELDS * 4 * limits.max_field_chars)
        self._in_quote = False
        self._field_bytes = 0  # the field still open after the last block: bytes,
        self._field_chars = 0  # characters,
        self._field_quoted = False  # whether it began with a quote,
        self._field_index = 0  # its position in its row
        self._row_bytes = 0  # bytes of the row still open

    def scan(self, block: bytes) -> int:
        """Check the next ``block`` of the table; the offset just after the last row end in it
        (-1 if no row ends in it). Raises :class:`InputTooLargeError` at the first field, row or
        row count over the limits, naming table, row and field."""
        arr = np.frombuffer(block, dtype=np.uint8)
        delim = np.flatnonzero((arr == _COMMA) | (arr == _NEWLINE))
        if b'"' in block:
            quotes = np.flatnonzero(arr == _QUOTE)
            delim = delim[((np.searchsorted(quotes, delim) + self._in_quote) & 1) == 0]
            self._in_quote = bool((len(quotes) + self._in_quote) & 1)
        elif self._in_quote:  # the whole block lies inside a quoted field
            delim = delim[:0]
        if not len(delim):
            if self._field_bytes == 0 and len(arr):
                self._field_quoted = bool(arr[0] == _QUOTE)
            self._field_bytes += len(arr)
            self._field_chars += _chars(arr)
            self._row_bytes += len(arr)
            self._check_open()
            return -1
        newline = arr[delim] == _NEWLINE
        ends = np.flatnonzero(newline)
        if self.lines == 0 and not self.columns and len(ends) and self._row_bytes == 0:
            self.columns = _header_names(block[: int(delim[ends[0]])])
        self._check_fields(arr, delim, newline)
        if len(ends):
            row_end = delim[ends]
            lengths = np.diff(row_end, prepend=-1)
            lengths[0] += self._row_bytes
            long = np.flatnonzero(lengths > self.max_row_bytes)
            if len(long):
                self._refuse_row(self.lines + int(long[0]) + 1)
            self.lines += len(ends)
            self._field_index = len(delim) - 1 - int(ends[-1])
            self._row_bytes = len(arr) - int(row_end[-1]) - 1
        else:
            self._field_index += len(delim)
            self._row_bytes += len(arr)
        tail = arr[int(delim[-1]) + 1 :]
        self._field_bytes, self._field_chars = len(tail), _chars(tail)
        self._field_quoted = bool(len(tail) and tail[0] == _QUOTE)
        self._check_open()
        return int(delim[ends[-1]]) + 1 if len(ends) else -1

    def finish(self, last_row: bool) -> None:
        """The end of the table; ``last_row``: a row without a final line break is left."""
        self.lines += last_row
        self._check_open()

    def _check_fields(self, arr: np.ndarray, delim: np.ndarray, newline: np.ndarray) -> None:
        """Fields that end in this block; bytes ≥ characters, so only long ones are counted."""
        limit = self.limits.max_field_chars
        starts = np.empty(len(delim), dtype=np.int64)
        starts[0] = 0
        starts[1:] = delim[:-1] + 1
        nbytes = delim - starts
        nbytes[0] += self._field_bytes
        for i in np.flatnonzero(nbytes > limit).tolist():
            chars = _chars(arr[starts[i] : delim[i]])
            if i == 0 and self._field_bytes:
                chars, quoted = chars + self._field_chars, self._field_quoted
            else:
                quoted = bool(arr[starts[i]] == _QUOTE)
            if chars - 2 * quoted > limit:
                before = np.flatnonzero(newline[:i])
                row = self.lines + len(before) + 1
                index = i - int(before[-1]) - 1 if len(before) else self._field_index + i
                self._refuse_field(row, index)

    def _check_open(self) -> None:
        """The field and row still open: refused while they grow, not when they end."""
        if self._field_chars - self._field_quoted > self.limits.max_field_chars:
            self._refuse_field(self.lines + 1, self._field_index)
        if self._row_bytes > self.max_row_bytes:
            self._refuse_row(self.lines + 1)
        if self.lines - 1 > self.limits.max_rows:
            raise InputTooLargeError(
                f"{self.name}: more than {self.limits.max_rows:,} rows (NAHRAUM_MAX_ROWS)"
            )

    def _refuse_field(self, row: int, index: int) -> None:
        name = self.columns[index] if index < len(self.columns) else f"column {index + 1}"
        raise InputTooLargeError(
            f"{self.name}, row {row}, field {name}: more than "
            f"{self.limits.max_field_chars:,} characters in one field (NAHRAUM_MAX_FIELD_CHARS)"
        )

    def _refuse_row(self, row: int) -> None:
        raise InputTooLargeError(
            f"{self.name}, row {row}: more than {human_bytes(self.max_row_bytes)} in one row "
            f"({ROW_FIELDS} fields of NAHRAUM_MAX_FIELD_CHARS)"
        )


class CsvReader:
    """A CSV table (UTF-8, comma, header row) read in pieces of whole rows, within the limits.

    Why pieces of bytes rather than ``pandas.read_csv(chunksize=...)``: a chunk of n rows costs
    n times the longest row, a piece of :data:`CSV_PIECE_BYTES` costs that many bytes however
    long its rows are. Every piece is parsed by pandas' C parser (with the header in front, so
    quoting, blank lines and ragged rows are read as a whole-file read would read them) and its
    strings die with it: the caller keeps the compact arrays it makes of them. pyarrow's
    streaming CSV reader would do the same, but it is not a dependency of the engine.

    ``columns`` is the header as pandas names it (``None`` for an empty table); :meth:`chunks`
    yields DataFrames of strings indexed by data row (0 = the row after the header).
    """

    def __init__(
        self,
        fh: IO[bytes],
        name: str,
        limits: InputLimits | None = None,
        *,
        piece_bytes: int | None = None,
    ) -> None:
        self.name = name
        self.limits = limits or InputLimits.from_env()
        self.guard = CsvGuard(name, self.limits)
        self.piece_bytes = piece_bytes or CSV_PIECE_BYTES
        self._fh = fh
        self._complete = bytearray()  # whole rows read and checked, not yet handed out
        self._partial = bytearray()  # the start of the row after them
        self._complete_lines = 0  # rows ended up to the end of _complete
        self._eof = False
        self._lines_out = 0  # rows handed out (header and blank lines before it included)
        self._offset_out = 0  # bytes handed out
        self.header = b""
        self.columns: list[str] | None = None
        self._read_header()

    def close(self) -> None:
        """Close the file (or member) and drop what is buffered."""
        self._fh.close()
        self._complete, self._partial = bytearray(), bytearray()

    def _fill(self) -> None:
        block = self._fh.read(CSV_BLOCK_BYTES)
        if not block:
            self._eof = True
            self.guard.finish(bool(self._partial.strip()))
            self._complete += self._partial
            self._partial = bytearray()
            return
        end = self.guard.scan(block)
        if end < 0:
            self._partial += block
            return
        view = memoryview(block)
        self._complete += self._partial
        self._complete += view[:end]
        self._partial = bytearray(view[end:])
        self._complete_lines = self.guard.lines

    def _take_line(self) -> bytes | None:
        """The next row of ``_complete`` (or all of it at the end of the file); None: read on."""
        buf, start = self._complete, 0
        while True:
            nl = buf.find(b"\n", start)
            if nl < 0:
                if not self._eof or not buf:
                    return None
                nl = len(buf) - 1
                break
            if buf.count(b'"', 0, nl) % 2 == 0:
                break
            start = nl + 1
        line = bytes(buf[: nl + 1])
        del buf[: nl + 1]
        self._lines_out += 1
        self._offset_out += len(line)
        return line

    def _read_header(self) -> None:
        import pandas as pd

        while True:
            line = self._take_line()
            if line is None:
                if self._eof:
                    return  # nothing but blank lines: an empty table
                self._fill()
                continue
            if self._lines_out == 1:
                line = line.removeprefix(_BOM)
            if line.strip():
                break
        self._decode(line, self._lines_out, self._offset_out - len(line))
        self.header = line if line.endswith(b"\n") else line + b"\n"
        try:
            self.columns = list(pd.read_csv(io.BytesIO(self.header), nrows=0, dtype=str).columns)
        except pd.errors.ParserError as exc:
            raise CsvFormatError(self.name, f"not valid CSV ({exc})".strip(), row=1) from None
        self.guard.columns = [str(c).strip() for c in self.columns]

    def _decode(self, data: bytes, first_line: int, offset: int) -> None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            row = first_line + data.count(b"\n", 0, exc.start)
            raise CsvFormatError(
                self.name, f"not UTF-8 (byte {offset + exc.start})", row=row
            ) from None

    def chunks(
        self, usecols: Collection[str] | None = None, integers: Collection[str] = ()
    ) -> Iterator[pd.DataFrame]:
        """The table in DataFrames of strings (stripped column names), ``usecols`` only if given.

        ``integers`` are read as int64 where every value of a piece is a plain whole number
        (much faster than strings); a piece with any other value comes as strings, so the
        caller's own parser names the bad value.
        """
        import pandas as pd

        if self.columns is None:
            yield pd.DataFrame()
            return
        use = None if usecols is None else [c for c in self.columns if c.strip() in usecols]
        rows, first = 0, True
        while True:
            while not self._eof and len(self._complete) < self.piece_bytes:
                self._fill()
            if not self._complete and not first:
                return
            data = bytes(self._complete)
            self._complete = bytearray()
            first_line, offset = self._lines_out + 1, self._offset_out
            self._lines_out, self._offset_out = self._complete_lines, offset + len(data)
            frame = self._parse(data, first_line, offset, use, integers)
            frame.index = pd.RangeIndex(rows, rows + len(frame))
            rows += len(frame)
            first = False
            yield frame

    def _parse(
        self,
        data: bytes,
        first_line: int,
        offset: int,
        use: list[str] | None,
        integers: Collection[str],
    ) -> pd.DataFrame:
        import pandas as pd

        names = use if use is not None else self.columns or []
        dtype = {c: ("int64" if c.strip() in integers else str) for c in names}
        kwargs = {"keep_default_na": False, "skipinitialspace": False, "usecols": use}
        text = io.BytesIO(self.header + data)
        try:
            try:
                frame = pd.read_csv(text, dtype=dtype, **kwargs)
            except (UnicodeDecodeError, pd.errors.ParserError):
                raise
            except (ValueError, OverflowError):
                if not any(t == "int64" for t in dtype.values()):
                    raise
                text.seek(0)
                frame = pd.read_csv(text, dtype=str, **kwargs)
        except UnicodeDecodeError:
            self._decode(data, first_line, offset)
            raise  # pragma: no cover - _decode found the same byte
        except pd.errors.ParserError as exc:
            detail = re.sub(
                r"line (\d+)", lambda m: f"line {int(m.group(1)) + first_line - 2}", str(exc)
            )
            raise CsvFormatError(self.name, f"not valid CSV ({detail.strip()})") from None
        frame.columns = [str(c).strip() for c in frame.columns]
        return frame
