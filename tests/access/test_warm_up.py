"""The install-time warm-up reaches every compiled kernel (scripts/install.sh calls it)."""

from __future__ import annotations

import json
import subprocess
import sys

# In a fresh interpreter: in the test process other tests may have run the kernels already.
CHECK = """
import json
from numba.core.registry import CPUDispatcher
from nahraum.access import _kernels, transit_raptor, transit_walk
from nahraum.access.warmup import warm_up
seconds = warm_up()
kernels = {
    f"{mod.__name__}.{name}": obj
    for mod in (_kernels, transit_raptor, transit_walk)
    for name, obj in vars(mod).items()
    if isinstance(obj, CPUDispatcher) and obj.targetoptions.get("inline") != "always"
}
print(json.dumps({"seconds": seconds, "kernels": sorted(kernels),
                  "cold": sorted(n for n, d in kernels.items() if not d.signatures)}))
"""


def test_warm_up_compiles_every_kernel():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["seconds"] >= 0.0
    assert "nahraum.access._kernels.multi_source" in result["kernels"]
    assert "nahraum.access.transit_raptor.stop_profiles" in result["kernels"]
    assert result["cold"] == [], "not run by warm_up(), so compiled on a user's first click"
