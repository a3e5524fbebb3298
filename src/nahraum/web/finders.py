"""Static files from node_modules: only the files the pages load, under ``vendor/``.

Serving whole package folders would publish (and compress at every collectstatic) some 150
files and 12 MB of builds, type declarations and test tools nobody requests; the pages need
Leaflet's script, stylesheet and marker images and Chart.js's UMD build (with the source maps
they name, so the browser's developer tools find them). The list is in settings
(``NAHRAUM_VENDOR_FILES``); the libraries themselves come from the npm registry through
package-lock.json, nothing of them is copied into the repository.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage


def _files() -> dict[str, Path]:
    """URL path below STATIC_URL → file in node_modules."""
    root = Path(settings.NODE_MODULES)
    return {f"vendor/{url}": root / source for url, source in settings.NAHRAUM_VENDOR_FILES}


class VendorFinder(BaseFinder):
    """A finder over an explicit list of files (Django's finders take whole folders)."""

    def check(self, **kwargs) -> list[Error]:
        missing = [str(p) for p in _files().values() if not p.is_file()]
        if missing and not settings.TESTING:
            return [
                Error(
                    "front-end files missing: " + ", ".join(missing[:3]),
                    hint="Run `npm ci` in the repository (scripts/install.sh does).",
                    id="nahraum.E001",
                )
            ]
        return []

    def find(self, path: str, find_all: bool = False, **kwargs) -> str | list[str]:
        source = _files().get(path)
        if source is None or not source.is_file():
            return [] if find_all or kwargs.get("all") else ""
        return [str(source)] if find_all or kwargs.get("all") else str(source)

    def list(self, ignore_patterns) -> Iterator[tuple[str, FileSystemStorage]]:
        for url, source in _files().items():
            if source.is_file():
                storage = FileSystemStorage(location=str(source.parent))
                storage.prefix = url.rsplit("/", 1)[0]
                yield source.name, storage
