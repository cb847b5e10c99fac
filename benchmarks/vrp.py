"""Solve public VRP benchmark instances through aide_alim's routing adapter and print CSV.

    python benchmarks/vrp.py ../shared/benchmarks/cvrp/*.vrp --time-limit 10
    python benchmarks/vrp.py ../shared/benchmarks/vrptw/*.txt --solver ortools

One row per instance: ``instance,n,cost,bks,gap_pct,seconds`` then ``vehicles,bks_vehicles,
feasible,solver``. Every instance goes through :func:`aide_alim.routing.solver.solve`, the very
call the weekly rounds use, so the figures are the project's, not the bare solver's.

Conventions (see ``shared/benchmarks/SOURCES.md``):
- CVRPLIB (``.vrp``): arcs are Euclidean distances rounded to the nearest integer (TSPLIB
  ``nint``); A/B/P instances get exactly the k vehicles of their name (at most k routes), X
  instances an unlimited fleet.
- Solomon VRPTW: distance objective, distances and travel times truncated to one decimal
  (solved in tenths); at most the 25 vehicles of the file.
- Li & Lim PDPTW: hierarchical objective (vehicles, then distance) through a large fixed cost
  per vehicle; real distances, solved in thousandths.
- Cordeau MDVRP: real distances (thousandths), m vehicles of capacity Q per depot, route
  duration (travel + service) at most D when D > 0.

The BKS is read from the ``bks.csv`` next to each instance file.
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
import time
from pathlib import Path

import numpy as np

from aide_alim.routing.solver import (
    VrpClient,
    VrpDepot,
    VrpProblem,
    VrpShipment,
    VrpVehicleType,
    solve,
)

LILIM_VEHICLE_COST = 10**9  # per vehicle, in thousandths: dominates any distance (hierarchical)


def euclidean(coords: np.ndarray) -> np.ndarray:
    diff = coords[:, None, :] - coords[None, :, :]
    return np.sqrt((diff**2).sum(axis=2))


def read_cvrp(path: Path) -> tuple[VrpProblem, float]:
    """A CVRPLIB instance with rounded Euclidean arcs; returns the problem and the cost scale."""
    import vrplib

    inst = vrplib.read_instance(str(path))
    coords = np.asarray(inst["node_coord"], dtype=float)
    dist = np.floor(euclidean(coords) + 0.5).astype(np.int64)
    demand = np.asarray(inst["demand"], dtype=np.int64)
    depot = int(np.asarray(inst["depot"]).ravel()[0])
    n = len(coords)
    match = re.search(r"-k(\d+)", path.stem)
    unlimited = path.stem.startswith("X-") or match is None
    fleet = n - 1 if unlimited else int(match.group(1))  # type: ignore[union-attr]
    clients = tuple(
        VrpClient(location=i, delivery=(int(demand[i]),)) for i in range(n) if i != depot
    )
    problem = VrpProblem(
        coords=coords,
        distances=(dist,),
        durations=(dist,),  # as pyvrp.read does: same data as the bare solver
        depots=(VrpDepot(location=depot),),
        vehicle_types=(VrpVehicleType(num_available=fleet, capacity=(int(inst["capacity"]),)),),
        clients=clients,
    )
    return problem, 1.0


def read_solomon(path: Path) -> tuple[VrpProblem, float]:
    """A Solomon VRPTW instance in tenths, distances and times truncated (DIMACS)."""
    import vrplib

    inst = vrplib.read_instance(str(path), instance_format="solomon")
    coords = np.asarray(inst["node_coord"], dtype=float)
    dist = np.floor(10 * euclidean(coords) + 1e-9).astype(np.int64)
    tw = np.asarray(inst["time_window"], dtype=np.int64) * 10
    service = np.asarray(inst["service_time"], dtype=np.int64) * 10
    demand = np.asarray(inst["demand"], dtype=np.int64)
    clients = tuple(
        VrpClient(
            location=i,
            delivery=(int(demand[i]),),
            service=int(service[i]),
            tw_early=int(tw[i, 0]),
            tw_late=int(tw[i, 1]),
        )
        for i in range(1, len(coords))
    )
    problem = VrpProblem(
        coords=coords,
        distances=(dist,),
        durations=(dist,),
        depots=(VrpDepot(location=0, tw_early=int(tw[0, 0]), tw_late=int(tw[0, 1])),),
        vehicle_types=(
            VrpVehicleType(
                num_available=int(inst["vehicles"]),
                capacity=(int(inst["capacity"]),),
                tw_early=int(tw[0, 0]),
                tw_late=int(tw[0, 1]),
            ),
        ),
        clients=clients,
    )
    return problem, 10.0


def read_lilim(path: Path) -> tuple[VrpProblem, float]:
    """A Li & Lim PDPTW instance in thousandths; each pickup-delivery pair is one shipment."""
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    fleet, capacity = int(rows[0][0]), int(rows[0][1])
    nodes = np.asarray([[float(x) for x in row[:9]] for row in rows[1:]])
    coords = nodes[:, 1:3]
    scale = 1000.0
    dist = np.floor(scale * euclidean(coords) + 0.5).astype(np.int64)
    shipments = []
    for row in nodes[1:]:
        if row[3] > 0:  # a pickup: its delivery sibling is column 8
            p, d = int(row[0]), int(row[8])
            drow = nodes[d]
            shipments.append(
                VrpShipment(
                    pickup_location=p,
                    delivery_location=d,
                    amount=(int(row[3]),),
                    pickup_service=int(row[6] * scale),
                    delivery_service=int(drow[6] * scale),
                    pickup_tw=(int(row[4] * scale), int(row[5] * scale)),
                    delivery_tw=(int(drow[4] * scale), int(drow[5] * scale)),
                )
            )
    depot_tw = (int(nodes[0, 4] * scale), int(nodes[0, 5] * scale))
    problem = VrpProblem(
        coords=coords,
        distances=(dist,),
        durations=(dist,),
        depots=(VrpDepot(location=0, tw_early=depot_tw[0], tw_late=depot_tw[1]),),
        vehicle_types=(
            VrpVehicleType(
                num_available=fleet,
                capacity=(capacity,),
                tw_early=depot_tw[0],
                tw_late=depot_tw[1],
                fixed_cost=LILIM_VEHICLE_COST,
            ),
        ),
        shipments=tuple(shipments),
    )
    return problem, scale


def read_cordeau(path: Path) -> tuple[VrpProblem, float]:
    """A Cordeau MDVRP instance in thousandths; depots are the last ``t`` locations."""
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    _, m, n, t = (int(x) for x in rows[0][:4])
    limits = [(float(r[0]), int(float(r[1]))) for r in rows[1 : 1 + t]]
    customers = rows[1 + t : 1 + t + n]
    depots = rows[1 + t + n : 1 + t + n + t]
    scale = 1000.0
    coords = np.asarray(
        [[float(r[1]), float(r[2])] for r in depots]
        + [[float(r[1]), float(r[2])] for r in customers]
    )
    dist = np.floor(scale * euclidean(coords) + 0.5).astype(np.int64)
    clients = tuple(
        VrpClient(
            location=t + i,
            delivery=(int(float(r[4])),),
            service=int(float(r[3]) * scale),
        )
        for i, r in enumerate(customers)
    )
    vehicle_types = tuple(
        VrpVehicleType(
            num_available=m,
            capacity=(q,),
            start_depot=k,
            end_depot=k,
            shift_duration=int(d * scale) if d > 0 else (1 << 44) - 1,
        )
        for k, (d, q) in enumerate(limits)
    )
    problem = VrpProblem(
        coords=coords,
        distances=(dist,),
        durations=(dist,),
        depots=tuple(VrpDepot(location=k) for k in range(t)),
        vehicle_types=vehicle_types,
        clients=clients,
    )
    return problem, scale


def read_any(path: Path) -> tuple[str, VrpProblem, float]:
    """Detect the family from the file and read it."""
    if path.suffix == ".vrp":
        return "cvrp", *read_cvrp(path)
    first = next(line for line in path.read_text().splitlines() if line.strip()).split()
    if len(first) == 1 and not first[0].isdigit():
        return "vrptw", *read_solomon(path)
    if len(first) == 3:
        return "pdptw", *read_lilim(path)
    if len(first) == 4:
        return "mdvrp", *read_cordeau(path)
    raise SystemExit(f"{path}: not a VRPLIB, Solomon, Li & Lim or Cordeau file")


def read_bks(path: Path) -> tuple[float, int | None]:
    table = path.parent / "bks.csv"
    if not table.exists():
        return math.nan, None
    with table.open() as handle:
        for row in csv.DictReader(handle):
            if row["instance"] == path.stem:
                vehicles = row.get("bks_vehicles") or ""
                return float(row["bks"]), int(vehicles) if vehicles else None
    return math.nan, None


def solve_bare(path: Path, time_limit: float, seed: int) -> tuple[int, float, bool, int]:
    """PyVRP alone on a CVRPLIB file (``pyvrp.read`` with rounding, then ``pyvrp.solve``), to
    check that going through the adapter costs no quality. Returns (cost, seconds, feasible,
    routes)."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    data = pyvrp.read(str(path), round_func="round")
    match = re.search(r"-k(\d+)", path.stem)
    if match and not path.stem.startswith("X-"):
        vt = data.vehicle_type(0).replace(num_available=int(match.group(1)))
        data = data.replace(vehicle_types=[vt])
    started = time.perf_counter()
    result = pyvrp.solve(data, MaxRuntime(time_limit), seed=seed, collect_stats=False)
    seconds = time.perf_counter() - started
    best = result.best
    return int(best.distance()), seconds, best.is_feasible(), best.num_routes()


def summarise(paths: list[Path]) -> None:
    """Mean gap, time and feasible count per result file (CSV rows of this script)."""
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["file", "instances", "feasible", "mean_gap_pct", "max_gap_pct", "mean_seconds"])
    for path in paths:
        rows = [
            r
            for r in csv.DictReader(x for x in path.open() if "load average" not in x)
            if r.get("seconds") and r.get("feasible") in ("0", "1")
        ]
        gaps = [float(r["gap_pct"]) for r in rows if r["gap_pct"]]
        secs = [float(r["seconds"]) for r in rows]
        feasible = sum(int(r["feasible"]) for r in rows)
        out.writerow(
            [
                path.name,
                len(rows),
                feasible,
                f"{sum(gaps) / len(gaps):.3f}" if gaps else "",
                f"{max(gaps):.3f}" if gaps else "",
                f"{sum(secs) / len(secs):.2f}" if secs else "",
            ]
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("instances", nargs="+", type=Path)
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance")
    parser.add_argument("--solver", default="pyvrp", choices=("pyvrp", "ortools", "vroom"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--bare", action="store_true", help="CVRPLIB only: bare PyVRP, bypassing the adapter"
    )
    parser.add_argument(
        "--summarise", action="store_true", help="the arguments are result CSVs: print means"
    )
    args = parser.parse_args(argv)
    if args.summarise:
        summarise(args.instances)
        return 0
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(
        [
            "instance",
            "n",
            "cost",
            "bks",
            "gap_pct",
            "seconds",
            "vehicles",
            "bks_vehicles",
            "feasible",
            "solver",
        ]
    )
    for path in args.instances:
        if path.name.endswith(".bks.txt") or path.suffix == ".sol" or path.name == "bks.csv":
            continue
        bks, bks_vehicles = read_bks(path)
        if args.bare:
            cost_int, seconds, ok, routes = solve_bare(path, args.time_limit, args.seed)
            gap_bare = 100 * (cost_int - bks) / bks if ok else math.nan
            out.writerow(
                [path.stem, "", cost_int if ok else "", f"{bks:g}",
                 f"{gap_bare:.3f}" if ok else "", f"{seconds:.2f}", routes,
                 bks_vehicles if bks_vehicles is not None else "", int(ok), "pyvrp-bare"]
            )  # fmt: skip
            sys.stdout.flush()
            continue
        family, problem, scale = read_any(path)
        started = time.perf_counter()
        solution = solve(problem, time_limit_s=args.time_limit, seed=args.seed, solver=args.solver)
        seconds = time.perf_counter() - started
        cost = solution.distance / scale
        feasible = solution.is_feasible
        gap = 100 * (cost - bks) / bks if feasible and bks == bks else math.nan
        out.writerow(
            [
                path.stem,
                len(problem.clients) + 2 * len(problem.shipments),
                f"{cost:.4f}".rstrip("0").rstrip(".") if feasible else "",
                f"{bks:g}",
                f"{gap:.3f}" if gap == gap else "",
                f"{seconds:.2f}",
                len(solution.routes),
                bks_vehicles if bks_vehicles is not None else "",
                int(feasible),
                solution.solver,
            ]
        )
        sys.stdout.flush()
        del family
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
