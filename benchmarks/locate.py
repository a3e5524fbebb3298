"""Benchmark: location planning and the interactive scenario re-run on the bundled region.

1. **Location planning** — maximal coverage and p-median with 1,000 candidate sites (a random
   sample of the populated cells, fixed seed) × every population cell of the bundled region,
   travel times on the walking network (norm: the GP walking norm of the taxonomy). Solved
   exactly with HiGHS; prints objective, optimality gap, solve time, the greedy answer and its
   ratio to the exact one. The cost matrix (one-to-many Dijkstra per candidate) is timed apart.
2. **Interactive re-run** — a scenario that closes one GP practice and adds a mobile stop,
   applied to the baseline inputs and re-run for one facility type on the whole region (walk),
   not stored: the editor's path. Target: under one second; prints the ratio.

    python benchmarks/locate.py [--candidates 1000] [--k 10] [--repeat 3] [--json]

Uses a temporary data directory (or ``NAHRAUM_DATA_DIR``) and loads the bundled region through
the importers. The first re-run (numba compilation, network snapping) is reported separately.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time

from _bundled import bundled_region

RERUN_TARGET_S = 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--type", default="gp")
    parser.add_argument("--mode", default="walk")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=300.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    region = bundled_region("nahraum-bench-locate-")
    from nahraum.access import locate as engine
    from nahraum.analysis.services import load_inputs
    from nahraum.region.models import Facility
    from nahraum.scenarios import locating, services
    from nahraum.scenarios.compare import rerun_type

    inputs = load_inputs(region)
    out: dict = {"cells": len(inputs.cells), "mode": args.mode, "type": args.type, "k": args.k}

    # -- 1. location planning --------------------------------------------------------------
    candidates = locating.settled_candidates(inputs, limit=args.candidates, seed=1)
    t0 = time.perf_counter()
    problem = locating.build_problem(
        region,
        inputs,
        type_key=args.type,
        method="max_coverage",
        k=args.k,
        mode=args.mode,
        candidates=candidates,
        replace_existing=True,  # greenfield: no existing supply
    )
    out["candidates"] = len(problem.candidates)
    out["cost_matrix_s"] = round(time.perf_counter() - t0, 3)
    out["norm_minutes"] = problem.norm_minutes
    solved = {}
    for method in ("max_coverage", "p_median"):
        kwargs = {"k": args.k, "time_limit_s": args.time_limit}
        if method == "max_coverage":
            kwargs["max_cost"] = problem.norm_minutes * 60
        t0 = time.perf_counter()
        res = engine.solve(method, problem.cost_s, problem.weights, **kwargs)
        wall = time.perf_counter() - t0
        solved[method] = {
            "objective": res.objective,
            "bound": res.bound,
            "gap": res.gap,
            "status": res.status,
            "solve_time_s": round(res.solve_time_s, 3),
            "wall_s": round(wall, 3),
            "iterations": res.iterations,
            "greedy_objective": res.greedy.objective,
            "greedy_s": round(res.greedy.seconds, 3),
            "greedy_ratio": round(res.greedy_ratio, 5),
        }
    out["locate"] = solved

    # -- 2. interactive re-run of one type after a change ----------------------------------
    facility = Facility.objects.filter(type__key=args.type, municipality__region=region).first()
    scenario = services.create_scenario(region, "benchmark: one practice closes, a bus stops")
    services.add_facility_change(scenario, "close", facility_key=facility.key)
    services.add_mobile_service(
        scenario,
        type_key=args.type,
        name="Praxisbus",
        lat=facility.lat,
        lon=facility.lon,
        weekday=1,
        start=dt.time(9),
        end=dt.time(12),
    )
    first = rerun_type(scenario, args.type, mode=args.mode, base_inputs=inputs)
    times = [
        rerun_type(scenario, args.type, mode=args.mode, base_inputs=inputs)["seconds"]
        for _ in range(args.repeat)
    ]
    with_load = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        rerun_type(scenario, args.type, mode=args.mode)  # loads the inputs from the database too
        with_load.append(time.perf_counter() - t0)
    scenario.delete()
    median = statistics.median(times)
    out["rerun"] = {
        "first_s": round(first["seconds"], 3),
        "median_s": round(median, 3),
        "median_with_loading_inputs_s": round(statistics.median(with_load), 3),
        "target_s": RERUN_TARGET_S,
        "ratio_to_target": round(median / RERUN_TARGET_S, 3),
        "timings": {k: round(v, 4) for k, v in first["timings"].items()},
    }

    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(
        f"bundled region: {out['cells']} cells × {out['candidates']} candidate sites, "
        f"{args.mode}, k = {args.k}, norm {out['norm_minutes']:g} min; "
        f"cost matrix {out['cost_matrix_s']:.2f} s"
    )
    for method, r in solved.items():
        print(
            f"{method:>12}: objective {r['objective']:.6g} (bound {r['bound']:.6g}, gap "
            f"{r['gap']:.4%}, {r['status']}, {r['iterations']} round(s)) in "
            f"{r['solve_time_s']:.2f} s; greedy {r['greedy_objective']:.6g} in "
            f"{r['greedy_s']:.2f} s = {r['greedy_ratio']:.4f} × exact"
        )
    rr = out["rerun"]
    print(
        f"re-run of '{args.type}' for the whole region after a change: "
        f"first {rr['first_s']:.2f} s, "
        f"then median {rr['median_s']:.3f} s ({rr['ratio_to_target']:.2f} × the 1 s target, "
        f"{'met' if median < RERUN_TARGET_S else 'NOT met'}); with loading the inputs "
        f"{rr['median_with_loading_inputs_s']:.3f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
