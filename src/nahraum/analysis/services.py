"""Django glue of the analysis: load the region as arrays, run the engine, store the results.

``load_inputs`` turns the region's records into plain arrays (:class:`Inputs`); scenarios change
a copy of them. ``run_analysis`` hands the arrays to ``nahraum.access`` (routing via the runner,
then the indicators) and stores an :class:`AnalysisRun` with its parameters, input checksums,
timings, indicator values, per-cell results and cross-border flows, all in ONE transaction: a run
that fails at any point leaves nothing half-stored.

Modes: "walk", "bike" and "car" route on the region's street networks; where a mode has no
network the run uses the straight-line estimate (mode "straight", see
``nahraum.access.indicators``) and says so in its parameters. Further modes (public transport)
plug in with :func:`register_mode`.

Where the parts live: the modes and their registry in ``modes``, loading in ``inputs``, running
and storing in ``running``, the per-cell results and the newest run in ``results``; this module
re-exports their public names, so ``from nahraum.analysis.services import run_analysis`` keeps
working.
"""

from .inputs import Inputs, load_inputs
from .modes import NETWORK_MODES, STRAIGHT, known_modes, register_mode, unregister_mode
from .results import Results, latest_run, pack_cells, unpack_cells
from .running import run_analysis

__all__ = [
    "NETWORK_MODES",
    "STRAIGHT",
    "Inputs",
    "Results",
    "known_modes",
    "latest_run",
    "load_inputs",
    "pack_cells",
    "register_mode",
    "run_analysis",
    "unpack_cells",
    "unregister_mode",
]
