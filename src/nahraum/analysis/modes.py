"""The modes of an analysis: the built-in ones and the registry of further modes.

"walk", "bike" and "car" route on the region's street networks; where a mode has no network the
run uses the straight-line estimate (mode "straight", see ``nahraum.access.indicators``) and says
so in its parameters. Further modes (public transport, demand-responsive services) plug in with
:func:`register_mode`: a provider computes their travel times from the run's inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nahraum.access import AccessError
from nahraum.access.indicators import DETOUR_FACTOR, STRAIGHT_SPEED_KMH, Travel

if TYPE_CHECKING:
    from .inputs import Inputs

NETWORK_MODES: tuple[str, ...] = ("walk", "bike", "car")
STRAIGHT = "straight"

#: Extra modes: name → fn(inputs, facility_type_keys) → {type_key: time_s per cell, or a dict
#: with "time_s" and optionally "distance_m" and "facility" (row index into inputs.facilities)}.
_MODE_PROVIDERS: dict[str, Callable[[Inputs, list[str]], dict[str, Any]]] = {}


def register_mode(name: str, fn: Callable[[Inputs, list[str]], dict[str, Any]]) -> None:
    """Make ``name`` a mode of ``run_analysis`` computed by ``fn`` (e.g. "transit").

    ``fn(inputs, type_keys)`` returns, per facility type, the travel time in seconds from every
    cell (``np.inf`` where unreachable) — or a dict with ``time_s`` and optionally ``distance_m``
    and ``facility`` (row into ``inputs.facilities``, -1 where none), which enables the
    cross-border figures for the mode.
    """
    if not name or len(name) > 10:
        raise AccessError(f"mode name {name!r} must have 1 to 10 characters")
    if name in NETWORK_MODES or name == STRAIGHT:
        raise AccessError(f"mode {name!r} is built in and cannot be replaced")
    _MODE_PROVIDERS[name] = fn


def known_modes() -> list[str]:
    return [*NETWORK_MODES, STRAIGHT, *sorted(_MODE_PROVIDERS)]


def unregister_mode(name: str) -> None:
    """Forget the extra mode ``name`` (nothing happens if it is not registered)."""
    _MODE_PROVIDERS.pop(name, None)


def plan_modes(modes: Sequence[str], inputs: Inputs) -> tuple[list[str], list[str], list[str]]:
    """(network-or-straight modes for the runner, provider modes, notes)."""
    engine, extra, notes = [], [], []
    for mode in modes:
        if mode in _MODE_PROVIDERS:
            extra.append(mode)
        elif mode in NETWORK_MODES:
            if mode in inputs.networks:
                engine.append(mode)
            else:
                notes.append(
                    f"no street network for {mode}: straight-line distance × {DETOUR_FACTOR} "
                    f"at {STRAIGHT_SPEED_KMH:g} km/h used instead (mode 'straight')"
                )
                if STRAIGHT not in engine:
                    engine.append(STRAIGHT)
        elif mode == STRAIGHT:
            if STRAIGHT not in engine:
                engine.append(STRAIGHT)
        else:
            raise AccessError(f"unknown mode {mode!r}; known: {', '.join(known_modes())}")
    return engine, extra, notes


def extra_travel(mode: str, inputs: Inputs, type_keys: list[str]) -> list[Travel]:
    """Travel of the registered mode ``mode`` to every type of ``type_keys`` its provider gives."""
    got = _MODE_PROVIDERS[mode](inputs, type_keys)
    n = len(inputs.cells)
    out = []
    for key in type_keys:
        if key not in got:
            continue
        item = got[key]
        if not isinstance(item, dict):
            item = {"time_s": item}
        t = np.asarray(item["time_s"], dtype=float)
        if t.shape != (n,):
            raise AccessError(
                f"mode {mode}, type {key}: {t.shape[0] if t.ndim else 0} times for {n} cells"
            )
        out.append(
            Travel(
                mode,
                key,
                t,
                np.asarray(item.get("distance_m", np.full(n, np.nan)), dtype=float),
                np.asarray(item.get("facility", np.full(n, -1)), dtype=np.int64),
            )
        )
    return out
