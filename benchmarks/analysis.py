"""Benchmark: the whole bundled-region analysis, stored — target under 5 s with the network cached.

Every population cell × every facility type × walk, bike and car: snapping, routing, the
indicators and storing the run (values, per-cell results, cross-border flows) in one
transaction, exactly as ``nahraum analyze`` does it.

    python benchmarks/analysis.py [--repeat 3] [--runner local] [--json]

Uses a fresh SQLite database under a temporary data directory (or ``NAHRAUM_DATA_DIR`` if set),
loads the bundled region through the importers, builds the street networks once (cached), runs
one warm-up analysis (which also compiles the numba kernels), then times ``--repeat`` runs and
prints each step's time, the median total and its ratio to the 5-second target.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from _bundled import bundled_region

TARGET_S = 5.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--runner", choices=["local", "processes", "dask"], default="local")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    region = bundled_region("nahraum-bench-analysis-")
    from nahraum.analysis.models import IndicatorValue
    from nahraum.analysis.network import load_networks
    from nahraum.analysis.services import load_inputs, run_analysis

    t0 = time.perf_counter()
    nets = load_networks(region)
    network_s = time.perf_counter() - t0
    inputs = load_inputs(region)

    t0 = time.perf_counter()
    run_analysis(region, runner=args.runner)  # warm-up: numba compilation, caches
    warmup_s = time.perf_counter() - t0
    runs = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        run = run_analysis(region, runner=args.runner)
        wall = time.perf_counter() - t0
        runs.append({"wall_s": wall, **{k: round(v, 4) for k, v in run.timings.items()}})
    total = statistics.median(r["wall_s"] for r in runs)
    result = {
        "cells": len(inputs.cells),
        "facilities": len(inputs.facilities),
        "facility_types": len(run.parameters["facility_types"]),
        "modes": run.parameters["modes"],
        "network_edges": {m: int(n.n_edges) for m, n in nets.items()},
        "values_stored": IndicatorValue.objects.filter(run=run).count(),
        "runner": args.runner,
        "network_load_or_build_s": round(network_s, 3),
        "warmup_s": round(warmup_s, 3),
        "runs": runs,
        "median_total_s": round(total, 3),
        "target_s": TARGET_S,
        "ratio_to_target": round(total / TARGET_S, 3),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"bundled region: {result['cells']} cells, {result['facilities']} facilities, "
        f"{result['facility_types']} types × {', '.join(result['modes'])}; "
        f"networks (edges): {result['network_edges']}"
    )
    print(f"network load/build {network_s:.2f} s, warm-up run {warmup_s:.2f} s")
    for i, r in enumerate(runs, 1):
        steps = ", ".join(f"{k} {v:.2f}" for k, v in r.items() if k not in ("wall_s", "total"))
        print(f"run {i}: {r['wall_s']:.2f} s ({steps})")
    print(
        f"median whole-region analysis, {result['values_stored']} values stored: {total:.2f} s "
        f"— {total / TARGET_S:.2f} × the {TARGET_S:g} s target "
        f"({'met' if total < TARGET_S else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
