"""The replay of recorded PyVRP searches: best of k seeds, and k starts per core."""

from __future__ import annotations

from pyvrp_seeds import Trace, best_of, replay, starts_per_core


def _trace(seed: int, improvements: list[tuple[float, float]]) -> Trace:
    return Trace("p", seed, 100.0, improvements)


# Seed 0 (core A) leads early and stops at 90; seed 2 (core A) starts slow and reaches 99.
# Seed 1 (core B) reaches 95; seed 3 (core B) leads early, then stays at 94.
TRACES = [
    _trace(0, [(0.1, 80.0), (0.4, 90.0)]),
    _trace(1, [(0.2, 70.0), (5.0, 95.0)]),
    _trace(2, [(0.3, 60.0), (3.0, 99.0)]),
    _trace(3, [(0.1, 85.0), (0.5, 94.0)]),
]


def test_score_at_is_the_best_found_by_then() -> None:
    trace = TRACES[0]
    assert trace.score_at(0.05) == 0.0
    assert trace.score_at(0.1) == 80.0
    assert trace.score_at(10.0) == 90.0


def test_best_of_seeds_at_the_limit() -> None:
    assert best_of(TRACES[:2], 10.0) == 95.0
    assert best_of(TRACES, 10.0) == 99.0
    assert best_of(TRACES, 2.0) == 94.0


def test_starts_per_core_continue_the_leader_for_the_time_left() -> None:
    # Two starts of 1 s per core: core A keeps seed 0 (90 at 1 s against 60), core B seed 3
    # (94 against 70); each leader has 10 - 1 = 9 s of its own.
    assert starts_per_core(TRACES, 2, 1.0, 10.0) == 94.0
    # Starts of 4 s: core A's leader is seed 2 (99 at 4 s), which keeps 6 s.
    assert starts_per_core(TRACES, 2, 4.0, 10.0) == 99.0
    # One start per core is the plain best of two seeds.
    assert starts_per_core(TRACES, 1, 1.0, 10.0) == best_of(TRACES[:2], 10.0)


def test_a_start_that_leads_late_is_cut() -> None:
    # Starts of 2.5 s: seed 2 (60 then, 99 at 3 s) loses to seed 0 (90) and is cut; core B
    # keeps seed 3 (94 against 70), which ends best.
    assert starts_per_core(TRACES, 2, 2.5, 10.0) == 94.0


def test_replay_reports_every_k() -> None:
    report = replay(TRACES, 10.0)
    assert "| best of 4 seed(s) | 1.000 % |" in report
    assert "| best of 2 seed(s) | 5.000 % |" in report
    assert "| 2 of 1 s | 6.000 % | 0 / 1 |" in report
