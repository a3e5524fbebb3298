"""Every ``NAHRAUM_*`` variable or setting the code reads is documented in docs/operating.md.

Why a test: the operators of a town hall read the operating guide, not the source; a limit or
switch that exists only in the code (an input cap, a budget) is one they cannot find when a
national feed is refused or a budget is too small.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_nahraum_variable_is_in_the_operating_guide():
    names: set[str] = set()
    for path in (ROOT / "src" / "nahraum").rglob("*.py"):
        names |= set(re.findall(r"[\"'](NAHRAUM_[A-Z0-9_]+)[\"']", path.read_text("utf-8")))
    guide = (ROOT / "docs" / "operating.md").read_text("utf-8")
    missing = sorted(name for name in names if name not in guide)
    assert names and not missing, f"not in docs/operating.md: {missing}"
