"""How far seeds of the solver's PyVRP search get, and what choosing among them early gives.

Run, for example (30 min on an idle machine: 60 instances x 6 seeds x 10 s, two at once)::

    .venv/bin/python bench/pyvrp_seeds.py --set top-set4 --seeds 0,1,2,3,4,5 --seconds 10 \\
        --traces seeds.jsonl
    .venv/bin/python bench/pyvrp_seeds.py --replay seeds.jsonl

Each seed searches the relaxation ``solver.pyvrp_search`` builds, alone on a core (PyVRP's
own search, without the solver's route packing), and its best score is recorded every
time it improves. From these traces, with the instances' best-known scores:

- **Best of k seeds**: the mean gap if k searches ran the whole time and the best were
  kept (the solver runs two, one per core): how much more the same search gives with more
  cores, the ceiling of any portfolio of seeds.
- **k starts per core**: each core searches k seeds for ``t0`` seconds each, then only the
  one that leads goes on to the limit (seeds 0, 2, 4, ... on one core, 1, 3, 5, ... on the
  other). A replay of this is exact: the leader's search goes on as it was recorded, for
  the limit less the other starts' time.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from orienteering import DATA_DIR, to_problem
from orienteering_instances import Instance, load_set
from pyvrp_settings import SHIPPED_SETS, covered_score, solving_with

from solver.pyvrp_search import SearchLimit, search_routes

if TYPE_CHECKING:
    import contextlib
    from collections.abc import Sequence


@dataclass(frozen=True, slots=True)
class Trace:
    """One search: its best score over time (seconds from the search's start, score)."""

    instance: str
    seed: int
    best_known: float
    improvements: list[tuple[float, float]]

    def score_at(self, seconds: float) -> float:
        """The best score found by ``seconds`` (0 before the first feasible plan)."""
        score = 0.0
        for at_s, value in self.improvements:
            if at_s > seconds:
                break
            score = value
        return score


def _recording(improvements: list[tuple[float, float]]) -> contextlib.AbstractContextManager[None]:
    """Record every new best feasible plan's prizes (with its time) of ``pyvrp.solve``."""
    import pyvrp

    class Record(pyvrp.IteratedLocalSearchCallbacks):
        def on_start(self, ils: Any) -> None:
            self.started = time.perf_counter()

        def on_best(self, best: Any) -> None:
            if best.is_feasible():
                improvements.append((time.perf_counter() - self.started, float(best.prizes())))

    return solving_with(pyvrp.SolveParams(ils=pyvrp.IteratedLocalSearchParams(callbacks=Record())))


def record(task: tuple[Instance, int, float]) -> Trace:
    """Search one instance with one seed for ``seconds``, recording each improvement."""
    instance, seed, seconds = task
    problem = to_problem(instance)
    prizes: list[tuple[float, float]] = []
    with _recording(prizes):
        result = search_routes(problem, limit=SearchLimit(time.time() + seconds), seed=seed)
    score = covered_score(problem, result)
    # Prizes are the score in PyVRP's units: one factor for the whole instance.
    unit = prizes[-1][1] / score if score and prizes else 1.0
    return Trace(
        instance.name,
        seed,
        instance.bks or 0.0,
        [(at_s, round(value / unit, 6)) for at_s, value in prizes],
    )


def _gap(score: float, best_known: float) -> float:
    return 100 * (best_known - score) / best_known if best_known else 0.0


def best_of(traces: Sequence[Trace], seconds: float) -> float:
    """The best score of these searches after ``seconds``."""
    return max(trace.score_at(seconds) for trace in traces)


def starts_per_core(traces: Sequence[Trace], k: int, t0_s: float, seconds: float) -> float:
    """The score of k starts per core of ``t0_s`` each, the leader going on to ``seconds``.

    ``traces`` are in seed order; even positions search on one core, odd on the other.
    The leader is the start with the best score at ``t0_s`` (the first on a tie).
    """
    best = 0.0
    for core in (traces[0::2], traces[1::2]):
        starts = core[:k]
        if not starts:
            continue
        leader = max(starts, key=lambda trace: trace.score_at(t0_s))
        best = max(best, leader.score_at(seconds - (len(starts) - 1) * t0_s))
    return best


def replay(traces: list[Trace], seconds: float) -> str:
    """The report: best of k seeds, and k starts per core, as mean gaps."""
    by_instance: dict[str, list[Trace]] = {}
    for trace in sorted(traces, key=lambda t: (t.instance, t.seed)):
        by_instance.setdefault(trace.instance, []).append(trace)
    n_seeds = min(len(runs) for runs in by_instance.values())
    groups = [runs[:n_seeds] for runs in by_instance.values()]
    lines = [
        f"{len(groups)} instances, {n_seeds} seeds, {seconds:g} s",
        "",
        "| searches | mean gap |",
        "|---|---:|",
    ]
    for k in range(1, n_seeds + 1):
        gaps = [_gap(best_of(runs[:k], seconds), runs[0].best_known) for runs in groups]
        lines.append(f"| best of {k} seed(s) | {sum(gaps) / len(gaps):.3f} % |")
    base = [best_of(runs[:2], seconds) for runs in groups]
    lines += [
        "",
        "| starts per core | mean gap | better / worse than one start |",
        "|---|---:|---:|",
    ]
    for k in range(2, n_seeds // 2 + 1):
        for t0_s in (0.25, 0.5, 1.0, 2.0):
            if (k - 1) * t0_s >= seconds:
                continue
            scores = [starts_per_core(runs, k, t0_s, seconds) for runs in groups]
            gaps = [_gap(s, runs[0].best_known) for s, runs in zip(scores, groups, strict=True)]
            better = sum(s > b for s, b in zip(scores, base, strict=True))
            worse = sum(s < b for s, b in zip(scores, base, strict=True))
            lines.append(
                f"| {k} of {t0_s:g} s | {sum(gaps) / len(gaps):.3f} % | {better} / {worse} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=SHIPPED_SETS, default="top-set4")
    parser.add_argument("--seeds", default="0,1,2,3,4,5")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--traces", type=Path, help="write the traces here (JSON lines)")
    parser.add_argument("--replay", type=Path, help="report on recorded traces; search none")
    args = parser.parse_args()
    if args.replay is not None:
        lines = args.replay.read_text().splitlines()
        traces = [Trace(**json.loads(line)) for line in lines if line.strip()]
        if not traces:
            parser.error(f"no traces in {args.replay}")
        print(replay(traces, args.seconds))
        return
    seeds = [int(s) for s in args.seeds.split(",")]
    tasks = [(i, s, args.seconds) for i in load_set(DATA_DIR / args.set) for s in seeds]
    print(f"{len(tasks)} searches", file=sys.stderr)
    traces = []
    with ProcessPoolExecutor(max_workers=2) as pool:
        for trace in pool.map(record, tasks):
            traces.append(trace)
            print(trace.instance, trace.seed, trace.score_at(math.inf), file=sys.stderr, flush=True)
            if args.traces is not None:
                with args.traces.open("a") as out:
                    out.write(json.dumps(asdict(trace)) + "\n")
    print(replay(traces, args.seconds))


if __name__ == "__main__":
    main()
