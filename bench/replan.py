"""Re-planning speed and the variation trade-off, on the municipality-sized area.

1. Re-plan: 10 staff and 300 hotspots on Liechtenstein's streets are planned (10 s), then
   the evening is re-planned at 19:00 (everyone following the plan, one staff member
   leaving, a hotspot added): the wall time of the whole re-plan (snapping, matrices, the
   warm-started solve, storing) is what a dispatcher waits for.
2. Variation: the same 150-hotspot evening on seven consecutive dates, each night compared
   with the night before, for several repeat costs: mean overlap with last night and the
   coverage kept, against the best plan of each night.

Run: ``.venv/bin/python bench/replan.py [--runs 3]``
"""

from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
import time
from datetime import date, timedelta
from typing import Any

from time_to_plan import liechtenstein_request

from service.config import Settings
from service.migrations import upgrade_to_head
from service.plans.networks import AreaNetworks
from service.plans.planning import create_plan
from service.plans.replan import replan
from service.plans.replan_schemas import ReplanRequest
from service.plans.schemas import PlanRequest
from service.plans.store import PlanStore

# Tomorrow or later (a plan date lies within a year of today); a Thursday, as in the tests.
DAY = date.today() + timedelta(days=(3 - date.today().weekday()) % 7 or 7)


def _request(networks: AreaNetworks, hotspots: int, staff: int) -> dict[str, Any]:
    data = liechtenstein_request(hotspots, networks)
    first = data["shifts"][0]
    data["shifts"] = [
        {**first, "id": f"guard-{k}", "phone": f"+452000{k:04d}"} for k in range(staff)
    ]
    data["date"] = DAY.isoformat()
    return data


def replan_times(networks: AreaNetworks, settings: Settings, runs: int) -> list[float]:
    """Wall seconds of each re-plan (a fresh plan each run)."""
    times = []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            store = PlanStore.from_url(f"sqlite:///{tmp}/bench.db")
            upgrade_to_head(store.engine)
            data = _request(networks, 300, 10)
            data["options"] = {"time_limit_s": 10, "seed": run}
            plan = create_plan(
                PlanRequest.model_validate(data), networks=networks, settings=settings, store=store
            ).plan
            extra = copy.deepcopy(data["hotspots"][0])
            extra.update(id="hs-new", weight=50)
            body = ReplanRequest.model_validate(
                {"now": "19:00", "staff_leaving": ["guard-3"], "hotspots_added": [extra]}
            )
            started = time.perf_counter()
            new = replan(plan.id, body, networks=networks, settings=settings, store=store).plan
            times.append(time.perf_counter() - started)
            assert new.version == 2
    return times


def variation_curve(networks: AreaNetworks, settings: Settings, costs: list[float]) -> None:
    """Mean overlap and coverage kept over a week, per repeat cost."""
    print(
        "| repeat cost (x median weight) | mean overlap | best plan's overlap | coverage vs best |"
    )
    print("|---:|---:|---:|---:|")
    base = _request(networks, 150, 4)
    for cost in costs:
        with tempfile.TemporaryDirectory() as tmp:
            store = PlanStore.from_url(f"sqlite:///{tmp}/bench.db")
            upgrade_to_head(store.engine)
            overlaps, bests, kept = [], [], []
            for night in range(7):
                data = copy.deepcopy(base)
                data["date"] = (DAY + timedelta(days=night)).isoformat()
                data["options"] = {
                    "time_limit_s": 6,
                    "seed": 0,
                    "variation": {"repeat_cost": cost, "max_coverage_loss_pct": 50},
                }
                plan = create_plan(
                    PlanRequest.model_validate(data),
                    networks=networks,
                    settings=settings,
                    store=store,
                ).plan
                if plan.summary.variation is not None:
                    overlaps.append(plan.summary.variation.overlap)
                    bests.append(plan.summary.variation.overlap_best)
                    kept.append(plan.summary.variation.coverage_vs_best_pct)
            print(
                f"| {cost:g} | {statistics.fmean(overlaps):.2f} | {statistics.fmean(bests):.2f} "
                f"| {statistics.fmean(kept):.1f} % |",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings = Settings()
    networks = AreaNetworks.from_settings(settings)
    times = replan_times(networks, settings, args.runs)
    print(
        f"re-plan, 10 staff (one leaving), 300 hotspots (+1), Liechtenstein, at 19:00: "
        f"median {statistics.median(times):.2f} s, max {max(times):.2f} s over {args.runs}\n"
    )
    variation_curve(networks, settings, [0.0, 0.25, 0.5, 1.0, 2.0])


if __name__ == "__main__":
    main()
