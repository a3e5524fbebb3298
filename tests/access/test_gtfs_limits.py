"""GTFS feeds within the input limits: a zip bomb, a runaway field and too many rows are refused
in bounded memory, with messages naming archive, file, row and field; feeds read in many small
pieces give the same arrays as read at once.

The memory is measured in a child process (peak RSS growth while ``read_feed`` runs), since
pandas' C parser and zlib allocate outside of what ``tracemalloc`` sees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pytest

from nahraum.access import limits
from nahraum.access.gtfs import GTFSError, read_feed
from nahraum.access.limits import InputLimits, InputTooLargeError

from .test_gtfs import BASE, feed_with

HEADER = b"trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign\n"
ROW = b"T1,07:00:00,07:00:00,S1,1,Richtung Markt\n"
#: what a refusal may cost the process (the old reader took ~7 × the member: gigabytes)
MEMORY_CAP_MB = 200


def write_feed(path: Path, stop_times: bytes | None = None, *, repeat: int = 0, tail=b"") -> Path:
    """The test feed with stop_times.txt = ``HEADER`` + ``repeat`` MiB of ``ROW`` (written a
    block at a time, deflated: the test stays small) + ``tail``; or ``stop_times`` as given."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in BASE.items():
            if name != "stop_times.txt":
                zf.writestr(name, text)
        with zf.open("stop_times.txt", "w", force_zip64=True) as fh:
            if stop_times is not None:
                fh.write(stop_times)
            else:
                fh.write(HEADER)
                block = ROW * (2**20 // len(ROW))
                for _ in range(repeat):
                    fh.write(block)
                fh.write(tail)
    return path


_CHILD = """
import json, resource, sys, time
from nahraum.access.gtfs import read_feed
from nahraum.access.limits import InputTooLargeError
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
try:
    read_feed(sys.argv[1])
    outcome, message = "imported", ""
except InputTooLargeError as exc:
    outcome, message = "refused", str(exc)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcome": outcome, "message": message, "seconds": time.perf_counter() - t,
                  "growth_mb": (after - before) / 1024}))
"""


def read_in_child(path: Path, **env: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_CHILD), str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """~300 MiB of stop_times in a zip of about 1 MB (repeated rows deflate ~300-fold)."""
    return write_feed(tmp_path_factory.mktemp("bomb") / "bomb.zip", repeat=300)


def test_a_zip_bomb_is_refused_from_the_directory_in_little_memory(bomb):
    assert bomb.stat().st_size < 5 * 2**20
    result = read_in_child(bomb)
    assert result["outcome"] == "refused"
    assert result["message"].startswith("bomb.zip: member stop_times.txt inflates")
    assert "NAHRAUM_MAX_COMPRESSION_RATIO" in result["message"]
    assert result["growth_mb"] < MEMORY_CAP_MB, result


def test_past_the_ratio_check_rows_are_counted_while_streaming(bomb):
    """With the ratio check lifted, the same bomb is refused by the row limit as it streams."""
    result = read_in_child(
        bomb, NAHRAUM_MAX_COMPRESSION_RATIO="1000000000", NAHRAUM_MAX_ROWS="1000000"
    )
    assert result["outcome"] == "refused"
    assert result["message"] == (
        "bomb.zip: stop_times.txt: more than 1,000,000 rows (NAHRAUM_MAX_ROWS)"
    )
    assert result["growth_mb"] < MEMORY_CAP_MB, result


def test_one_huge_field_is_refused_while_it_grows(tmp_path):
    """A 300 MiB field (no line break, ratio check lifted) never reaches the parser."""
    with zipfile.ZipFile(tmp_path / "huge.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in BASE.items():
            if name != "stop_times.txt":
                zf.writestr(name, text)
        with zf.open("stop_times.txt", "w", force_zip64=True) as fh:
            fh.write(HEADER + ROW + b"T1,07:10:00,07:10:00,S2,2,")
            block = b"x" * 2**20
            for _ in range(300):
                fh.write(block)
            fh.write(b"\n")
    result = read_in_child(tmp_path / "huge.zip", NAHRAUM_MAX_COMPRESSION_RATIO="1000000000")
    assert result["outcome"] == "refused"
    assert result["message"] == (
        "huge.zip: stop_times.txt, row 3, field stop_headsign: more than 100,000 characters "
        "in one field (NAHRAUM_MAX_FIELD_CHARS)"
    )
    assert result["growth_mb"] < MEMORY_CAP_MB, result


@pytest.mark.parametrize(
    ("file", "text", "where"),
    [
        (
            "stop_times.txt",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign\n"
            "T1,07:00:00,07:00:00,S1,1,\nT1,07:20:00,07:20:00,S3,2,{long}\n",
            "stop_times.txt, row 3, field stop_headsign",
        ),
        (
            "stops.txt",
            'stop_id,stop_name,stop_lat,stop_lon\nS1,a,52,8.9\nS3,"{long}",52,8.9\n',
            "stops.txt, row 3, field stop_name",
        ),
    ],
)
def test_a_field_too_long_is_named_not_a_traceback(file, text, where):
    long = "ü" * 200_000  # two bytes a character: counted as characters, not bytes
    with pytest.raises(InputTooLargeError) as caught:
        read_feed(feed_with(**{file.replace(".", "__"): text.format(long=long)}))
    assert str(caught.value) == (
        f"feed: {where}: more than 100,000 characters in one field (NAHRAUM_MAX_FIELD_CHARS)"
    )


def test_a_field_at_the_limit_passes():
    text = (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign\n"
        f'T1,07:00:00,07:00:00,S1,1,"{"ä" * 1000}"\nT1,07:20:00,07:20:00,S3,2,x\n'
    )
    feed = read_feed(feed_with(stop_times__txt=text), limits=InputLimits(max_field_chars=1000))
    assert list(feed.trip_id) == ["T1"]
    with pytest.raises(InputTooLargeError, match="field stop_headsign: more than 999 char"):
        read_feed(feed_with(stop_times__txt=text), limits=InputLimits(max_field_chars=999))


def test_too_many_rows_name_the_table(monkeypatch):
    with pytest.raises(InputTooLargeError, match=r"^feed: stop_times\.txt: more than 9 rows"):
        read_feed(feed_with(), limits=InputLimits(max_rows=9))
    read_feed(feed_with(), limits=InputLimits(max_rows=10))  # BASE has 10 stop times
    monkeypatch.setenv("NAHRAUM_MAX_ROWS", "4")
    with pytest.raises(InputTooLargeError, match=r"^feed: stops\.txt: more than 4 rows"):
        read_feed(feed_with())


def test_a_path_is_read_in_pieces_as_its_bytes(tmp_path, monkeypatch):
    data = feed_with()
    path = tmp_path / "feed.zip"
    path.write_bytes(data)
    b = read_feed(data)

    def whole(self):
        raise AssertionError(f"{self} read whole")

    monkeypatch.setattr(Path, "read_bytes", whole)
    a = read_feed(path)
    assert a.checksum == b.checksum and a.summary() == b.summary()
    assert all(np.array_equal(getattr(a, n), getattr(b, n)) for n in a._ARRAYS)


def test_many_small_pieces_read_like_one(monkeypatch, tmp_path):
    """Blocks of 7 bytes and pieces of 40: rows, quoted fields (with commas and line breaks)
    and multi-byte characters cut everywhere; the arrays, the dropped rows and the row numbers
    of errors are those of a whole read."""
    stop_times = (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence,stop_headsign\n"
        + "".join(
            f'T{t},0{7 + k}:00:00,0{7 + k}:00:00,S{k + 1},{k + 1},"Zürich, ""Hbf""\nGleis {k}"\n'
            for t in (1, 3, 5)
            for k in range(3)
        )
    )
    whole = read_feed(feed_with(stop_times__txt=stop_times, frequencies__txt=None))
    monkeypatch.setattr(limits, "CSV_BLOCK_BYTES", 7)
    monkeypatch.setattr(limits, "CSV_PIECE_BYTES", 40)
    cut = read_feed(feed_with(stop_times__txt=stop_times, frequencies__txt=None))
    assert cut.summary() == whole.summary() and cut.n_trips == 3
    assert all(np.array_equal(getattr(cut, n), getattr(whole, n)) for n in whole._ARRAYS)
    bad = stop_times.replace("T5,09:00:00", "T5,9h00")
    with pytest.raises(GTFSError, match=r"^stop_times\.txt, row 10, field arrival_time: malformed"):
        read_feed(feed_with(stop_times__txt=bad, frequencies__txt=None))
    path = write_feed(tmp_path / "bad.zip", stop_times=HEADER + ROW * 20 + b"T1,\xff\n")
    byte = len(HEADER) + 20 * len(ROW) + 3
    with pytest.raises(GTFSError, match=rf"^stop_times\.txt, row 22: not UTF-8 \(byte {byte}\)"):
        read_feed(path)
