"""`nahraum fetch osm` against a real HTTP server on 127.0.0.1: resume, checksum, errors."""

from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from nahraum.data.fetch import FetchError, choose_extract, extract_url, fetch_extract

EXTRACT = "europe/germany/nordrhein-westfalen/detmold-regbez"
PAYLOAD = bytes(range(256)) * 4000  # ~1 MB, not compressible to nothing


class Server:
    """A Geofabrik-like file server that can cut a transfer short once, and records requests."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.cut_after: int | None = None
        self.requests: list[tuple[str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                outer.requests.append((self.path, self.headers.get("Range")))
                body = outer.files.get(self.path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                start = 0
                rng = self.headers.get("Range")
                if rng:
                    start = int(rng.removeprefix("bytes=").split("-")[0])
                    if start >= len(body):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(body)}")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(body) - start))
                self.end_headers()
                chunk = body[start:]
                if outer.cut_after is not None and not self.path.endswith(".md5"):
                    chunk = chunk[: outer.cut_after]
                    outer.cut_after = None
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(chunk)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def publish(self, data: bytes, md5: str | None = None):
        name = f"/{EXTRACT}-latest.osm.pbf"
        self.files[name] = data
        self.files[name + ".md5"] = (
            f"{md5 or hashlib.md5(data).hexdigest()}  detmold-regbez-latest.osm.pbf\n".encode()
        )

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def test_download_and_verify(server, tmp_path):
    server.publish(PAYLOAD)
    path = fetch_extract(EXTRACT, tmp_path, base_url=server.base)
    assert path.name == "detmold-regbez-latest.osm.pbf" and path.read_bytes() == PAYLOAD
    assert not (tmp_path / "detmold-regbez-latest.osm.pbf.part").exists()
    # a second call finds the verified file and downloads nothing
    server.requests.clear()
    assert fetch_extract(EXTRACT, tmp_path, base_url=server.base) == path
    assert [p for p, _ in server.requests] == [f"/{EXTRACT}-latest.osm.pbf.md5"]


def test_interrupted_download_resumes_with_range(server, tmp_path):
    server.publish(PAYLOAD)
    server.cut_after = 300_000
    with pytest.raises(
        FetchError, match="interrupted after 300000 .*run the command again to resume"
    ):
        fetch_extract(EXTRACT, tmp_path, base_url=server.base)
    part = tmp_path / "detmold-regbez-latest.osm.pbf.part"
    assert part.stat().st_size == 300_000
    assert not (tmp_path / "detmold-regbez-latest.osm.pbf").exists()
    server.requests.clear()
    path = fetch_extract(EXTRACT, tmp_path, base_url=server.base)
    assert path.read_bytes() == PAYLOAD
    assert (f"/{EXTRACT}-latest.osm.pbf", "bytes=300000-") in server.requests


def test_checksum_mismatch_removes_the_partial_file(server, tmp_path):
    server.publish(PAYLOAD, md5="0" * 32)
    with pytest.raises(FetchError, match="checksum mismatch"):
        fetch_extract(EXTRACT, tmp_path, base_url=server.base)
    assert list(tmp_path.iterdir()) == []


def test_missing_extract_and_bad_checksum_file(server, tmp_path):
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_extract("europe/atlantis", tmp_path, base_url=server.base)
    server.publish(PAYLOAD)
    server.files[f"/{EXTRACT}-latest.osm.pbf.md5"] = b"<html>moved</html>"
    with pytest.raises(FetchError, match="not an MD5 checksum file"):
        fetch_extract(EXTRACT, tmp_path, base_url=server.base)


def test_unreachable_server_is_a_clear_error(tmp_path):
    with pytest.raises(FetchError, match="127.0.0.1:9"):
        fetch_extract(EXTRACT, tmp_path, base_url="http://127.0.0.1:9")


def test_choose_extract_and_url(monkeypatch):
    assert choose_extract((8.82, 51.98, 9.07, 52.19)) == EXTRACT  # Lemgo–Kalletal
    assert (
        choose_extract((6.9, 51.3, 7.1, 51.5))
        == "europe/germany/nordrhein-westfalen/duesseldorf-regbez"
    )
    with pytest.raises(FetchError, match="pass --extract"):
        choose_extract((2.3, 48.8, 2.4, 48.9))
    monkeypatch.setenv("NAHRAUM_OSM_BASE_URL", "http://mirror.example/osm/")
    assert (
        extract_url("europe/germany") == "http://mirror.example/osm/europe/germany-latest.osm.pbf"
    )


def test_fetch_command_picks_the_extract_of_the_region(server, tmp_path, db):
    from nahraum.cli import main
    from nahraum.data.bundled import ensure_bundled_region

    ensure_bundled_region(echo=lambda _: None)
    server.publish(PAYLOAD)
    result = CliRunner().invoke(
        main, ["fetch", "osm", "--base-url", server.base, "--dest", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "detmold-regbez-latest.osm.pbf").read_bytes() == PAYLOAD
    server.publish(PAYLOAD, md5="f" * 32)
    (tmp_path / "detmold-regbez-latest.osm.pbf").unlink()
    result = CliRunner().invoke(
        main, ["fetch", "osm", "--base-url", server.base, "--dest", str(tmp_path)]
    )
    assert result.exit_code == 1 and "checksum mismatch" in result.output
