"""transfers.txt applied to the walking links between stops and the change time at a stop.

GTFS ``transfers.txt`` rows (already expanded from parent stations to their platforms, see
:func:`nahraum.access.gtfs.transfer_rules`) change the journey model at a pair of stops:

- type 0 (recommended transfer point): the normal rules;
- type 1 (timed transfer): the change takes 0 s (at one stop: no minimum change time; between
  two stops: a 0 s link);
- type 2 (minimum transfer time): at one stop, the minimum time between alighting and boarding;
  between stops the walk takes max(walk, ``min_transfer_time``), and the link exists even if
  the street walk is longer than ``max_transfer_s`` (the operator says it can be done);
- type 3 (no transfer): no change at that stop, no walk between that pair.

Without a rule, a change at one stop takes ``TransitParams.min_change_s`` (default 0 s).
"""

from __future__ import annotations

import numpy as np

from .transit_params import TransitParams
from .transit_walk import Walker, WalkLinks


def apply_transfer_rules(
    links: WalkLinks,
    rules,
    n_stops: int,
    params: TransitParams,
    *,
    walker: Walker,
    stop_x: np.ndarray,
    stop_y: np.ndarray,
) -> tuple[WalkLinks, np.ndarray]:
    """The walking links and per-stop change times after the rules (``None``: no rules)."""
    change = np.full(n_stops, float(params.min_change_s))
    if rules is None or len(rules.from_stop) == 0:
        return links, change
    f = np.asarray(rules.from_stop, np.int64)
    t = np.asarray(rules.to_stop, np.int64)
    ty = np.asarray(rules.kind, np.int64)
    mn = np.asarray(rules.min_s, float)
    same = f == t
    for kind, value in ((1, None), (2, None), (3, np.inf)):
        sel = same & (ty == kind)
        if kind == 1:
            change[f[sel]] = 0.0
        elif kind == 2:
            change[f[sel]] = np.maximum(mn[sel], 0.0)
        else:
            change[f[sel]] = value
    pair = ~same & (ty != 0)
    if not pair.any():
        return links, change
    f, t, ty, mn = f[pair], t[pair], ty[pair], mn[pair]
    n = np.int64(n_stops)
    key = links.src.astype(np.int64) * n + links.dst.astype(np.int64)
    time = dict(zip(key.tolist(), links.time_s.tolist(), strict=True))
    rule_key = f * n + t
    # walks for type 2 pairs beyond max_transfer_s: searched only for those pairs
    missing = [
        (a, b) for k, a, b, y in zip(rule_key, f, t, ty, strict=True) if y == 2 and k not in time
    ]
    long_walk: dict[int, float] = {}
    if missing:
        ua = np.unique([a for a, _ in missing])
        ub = np.unique([b for _, b in missing])
        limit = float(max(params.max_time_s, mn.max()))
        extra = walker.links(stop_x[ua], stop_y[ua], stop_x[ub], stop_y[ub], limit)
        for s_, d_, w_ in zip(
            extra.src.tolist(), extra.dst.tolist(), extra.time_s.tolist(), strict=True
        ):
            long_walk[int(ua[s_]) * int(n) + int(ub[d_])] = w_
    for k, y, m in zip(rule_key.tolist(), ty.tolist(), mn.tolist(), strict=True):
        if y == 1:
            time[k] = 0.0
        elif y == 2:
            walk = time.get(k, long_walk.get(k, 0.0))
            time[k] = max(walk, max(m, 0.0))
        elif y == 3:
            time.pop(k, None)
    keys = np.fromiter(time.keys(), np.int64, len(time))
    vals = np.fromiter(time.values(), float, len(time))
    order = np.argsort(keys, kind="stable")
    keys, vals = keys[order], vals[order]
    return WalkLinks(keys // n, keys % n, vals), change
