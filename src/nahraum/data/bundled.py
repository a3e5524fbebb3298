"""The bundled Lemgo–Kalletal region, loaded through the very importers users run.

``nahraum demo`` calls :func:`ensure_bundled_region`. The region ships as data files (a manifest,
GeoJSON, CSV and an OSM street network) under ``bundled/lemgo-kalletal/``; loading them with
:func:`nahraum.data.importers.region.import_region` means the demo exercises exactly the path a
municipality's own data takes, and any bug in that path shows up in the demo first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"
REGION_DIR = BUNDLED_DIR / "lemgo-kalletal"
REGION_MANIFEST = REGION_DIR / "region.json"
REGION_SLUG = "lemgo-kalletal"


def street_network_path() -> Path:
    """The bundled street network (OSM XML, gzip), for the analysis of the demo region."""
    return REGION_DIR / "streets.osm.gz"


def ensure_bundled_region(echo: Callable[[str], object] = print) -> bool:
    """Load the taxonomy and, unless a region with the bundled slug exists, the bundled region.

    Returns True when the region was loaded now, False when it was there already.
    """
    from nahraum.region.models import Region

    from .taxonomy import load_taxonomy

    load_taxonomy()
    if Region.objects.filter(slug=REGION_SLUG).exists():
        echo("Region Lemgo–Kalletal ist bereits geladen / already loaded.")
        return False
    if not REGION_MANIFEST.exists():
        echo("Taxonomie geladen; die Region-Dateien fehlen noch / region files not built yet.")
        return False
    from .importers.region import import_region

    report = import_region(REGION_MANIFEST)
    echo(f"Region Lemgo–Kalletal geladen / loaded: {report.summary()}")
    return True
