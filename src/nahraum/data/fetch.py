"""Download an OpenStreetMap extract (Geofabrik layout) with resume and an MD5 check.

Geofabrik publishes ``<base>/<extract>-latest.osm.pbf`` and next to it ``….osm.pbf.md5``
(``<hex digest>  <file name>``). Extracts are large (a Regierungsbezirk is ~100–200 MB), and
municipal networks drop connections, so an interrupted download continues where it stopped
(HTTP Range) instead of starting over; a file is only put in place after its checksum matched.
The base URL is configurable (``--base-url`` or ``NAHRAUM_OSM_BASE_URL``) for mirrors and for
tests, which run against a local HTTP server since these machines reach no map server.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from pathlib import Path

from nahraum.access import Progress

DEFAULT_BASE_URL = "https://download.geofabrik.de"
CHUNK = 1 << 16
TIMEOUT_S = 60

#: Extracts nahraum knows, smallest first, with their approximate bounding boxes (lon/lat).
#: Enough to pick one for regions in NRW; pass --extract for anywhere else.
KNOWN_EXTRACTS: list[tuple[str, tuple[float, float, float, float]]] = [
    ("europe/germany/nordrhein-westfalen/detmold-regbez", (7.85, 51.40, 9.50, 52.55)),
    ("europe/germany/nordrhein-westfalen/muenster-regbez", (6.40, 51.45, 8.35, 52.55)),
    ("europe/germany/nordrhein-westfalen/arnsberg-regbez", (7.00, 50.65, 8.95, 51.75)),
    ("europe/germany/nordrhein-westfalen/duesseldorf-regbez", (5.95, 50.95, 7.35, 51.85)),
    ("europe/germany/nordrhein-westfalen/koeln-regbez", (5.85, 50.30, 7.80, 51.20)),
    ("europe/germany/nordrhein-westfalen", (5.85, 50.30, 9.50, 52.55)),
    ("europe/germany", (5.85, 47.25, 15.05, 55.10)),
]


class FetchError(Exception):
    """A download failed or its checksum did not match; the message says what to do."""


def choose_extract(bounds: tuple[float, float, float, float]) -> str:
    """The first (smallest) known extract whose box contains the region's bounds."""
    minx, miny, maxx, maxy = bounds
    for name, (a, b, c, d) in KNOWN_EXTRACTS:
        if a <= minx and b <= miny and maxx <= c and maxy <= d:
            return name
    raise FetchError(
        "no known extract covers the region; pass --extract (see "
        "https://download.geofabrik.de/ for the list)"
    )


def extract_url(extract: str, base_url: str | None = None) -> str:
    base = (base_url or os.environ.get("NAHRAUM_OSM_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    name = extract.strip("/")
    if not name.endswith((".pbf", ".osm", ".bz2", ".gz")):
        name += "-latest.osm.pbf"
    return f"{base}/{name}"


def _md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _get(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers={"User-Agent": "nahraum", **(headers or {})})
    try:
        return urllib.request.urlopen(request, timeout=TIMEOUT_S)  # noqa: S310 (http/https only)
    except urllib.error.HTTPError as exc:
        if exc.code == 416:
            return exc  # range not satisfiable: the part file is complete already
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"{url}: {getattr(exc, 'reason', exc)}") from None


def fetch_md5(url: str) -> str:
    with _get(url + ".md5") as response:
        text = response.read().decode("ascii", "replace").strip()
    digest = text.split()[0].lower() if text else ""
    if len(digest) != 32 or any(c not in "0123456789abcdef" for c in digest):
        raise FetchError(f"{url}.md5: not an MD5 checksum file")
    return digest


def fetch_extract(
    extract: str,
    dest: str | Path,
    *,
    base_url: str | None = None,
    progress: Progress | None = None,
) -> Path:
    """Download ``extract`` into ``dest``; resume a ``.part`` file; verify the MD5.

    Returns the path of the verified file. On a checksum mismatch the partial file is removed
    (it cannot be trusted for a later resume) and FetchError is raised; an interrupted transfer
    leaves the ``.part`` file for the next call to continue.
    """
    url = extract_url(extract, base_url)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / url.rsplit("/", 1)[1]
    part = target.with_name(target.name + ".part")
    expected = fetch_md5(url)
    if target.exists() and _md5_of(target) == expected:
        return target  # up to date
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    response = _get(url, headers)
    status = getattr(response, "status", None) or response.getcode()
    if status == 416:
        response.close()
    else:
        if offset and status != 206:
            offset = 0  # the server ignored the range: start again
        total = offset + int(response.headers.get("Content-Length") or 0)
        done = offset
        with response, open(part, "ab" if offset else "wb") as fh:
            while True:
                try:
                    chunk = response.read(CHUNK)
                except (OSError, ValueError, http.client.HTTPException) as exc:
                    # the connection dropped mid-transfer; what arrived stays in the part file
                    raise FetchError(
                        f"{url}: download interrupted after {done} bytes "
                        f"({exc!r}); run the command again to resume"
                    ) from None
                if not chunk:
                    break
                fh.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total or done)
        if total and done < total:
            raise FetchError(
                f"{url}: download interrupted after {done} of {total} bytes; "
                "run the command again to resume"
            )
    actual = _md5_of(part)
    if actual != expected:
        part.unlink()
        raise FetchError(
            f"{url}: checksum mismatch (MD5 {actual}, expected {expected}); the "
            "partial file was removed, run the command again"
        )
    part.replace(target)
    return target
