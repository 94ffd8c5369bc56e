"""Parsers, integer scaling and the independent checker of the orienteering benchmark."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
import pytest
from orienteering import integer_data, timed_run, to_problem
from orienteering_instances import check_routes, load_set

if TYPE_CHECKING:
    from pathlib import Path

    from orienteering_instances import Instance


def brute_force_best(instance: Instance) -> float:
    """The best checked score of one route over every ordered subset of customers."""
    best = 0.0
    customers = instance.customers
    for k in range(len(customers) + 1):
        for order in itertools.permutations(customers, k):
            check = check_routes(instance, [[instance.start, *order, instance.end]])
            if check.feasible:
                best = max(best, check.score)
    return best


def test_read_top(top_instance: Instance) -> None:
    """A Chao file gives routes, limit, coordinates, scores; first line start, last line end."""
    assert top_instance.family == "top"
    assert top_instance.num_routes == 1
    assert top_instance.tmax == 9.0
    assert top_instance.scores == (0.0, 5.0, 7.0, 0.0)
    assert (top_instance.start, top_instance.end) == (0, 3)
    assert top_instance.windows is None
    assert top_instance.customers == [1, 2]
    assert top_instance.travel(0, 2) == 5.0


def test_read_optw(optw_instance: Instance) -> None:
    """An OPTW line's window follows its pattern list; vertex 0's closing time is the limit."""
    assert optw_instance.name == "o101_m1"
    assert optw_instance.family == "optw"
    assert optw_instance.tmax == 18.0
    assert optw_instance.service == (0.0, 2.0, 2.0, 1.0)
    assert optw_instance.windows == ((0.0, 18.0), (0.0, 4.0), (10.0, 20.0), (0.0, 50.0))
    assert (optw_instance.start, optw_instance.end) == (0, 0)
    assert optw_instance.travel(0, 3) == pytest.approx(1.4)
    assert optw_instance.travel(2, 3) == pytest.approx(3.6)


def test_load_set_reads_both_formats_with_bks(bench_dir: Path) -> None:
    """A folder mixes formats; OPTW names get the route count; bks.csv fills best-known scores."""
    instances = {i.name: i for i in load_set(bench_dir, routes=(1, 2))}
    assert set(instances) == {"tiny", "o101_m1", "o101_m2"}
    assert instances["tiny"].bks == 7
    assert instances["o101_m1"].bks == 60
    assert instances["o101_m2"].bks is None
    assert instances["o101_m2"].num_routes == 2
    assert [i.name for i in load_set(bench_dir, names={"o101"})] == ["o101_m1"]


def test_checker_scores_the_brute_force_optimum(
    top_instance: Instance, optw_instance: Instance
) -> None:
    """The checker's best single route is the hand-computed optimum of each instance."""
    assert brute_force_best(top_instance) == 7
    assert brute_force_best(optw_instance) == 60


def test_checker_accepts_a_route_ending_exactly_at_the_limit(optw_instance: Instance) -> None:
    """0-1-2-3-0 is back at 18.0 with truncated distances: feasible, worth 60."""
    check = check_routes(optw_instance, [[0, 1, 2, 3, 0]])
    assert check.feasible
    assert check.score == 60


@pytest.mark.parametrize(
    ("routes", "fragment"),
    [
        ([[0, 1, 2, 3]], "ends at"),  # length 10 > tmax 9
        ([[0, 2, 3], [0, 1, 3]], "2 routes, 1 allowed"),
        ([[0, 2, 2, 3]], "more than once"),
        ([[1, 2, 3]], "does not run from vertex 0 to vertex 3"),
        ([[0, 3, 2, 3]], "not a customer"),
        ([[0, 7, 3]], "not a customer"),
    ],
)
def test_checker_flags_broken_top_routes(
    top_instance: Instance, routes: list[list[int]], fragment: str
) -> None:
    """Length limit, route count, repeats, start/end and unknown vertices are each caught."""
    check = check_routes(top_instance, routes)
    assert not check.feasible
    assert any(fragment in v for v in check.violations), check.violations


def test_checker_flags_a_missed_window(optw_instance: Instance) -> None:
    """0-3-1-0 reaches vertex 1 at 4.6, after its window closes at 4."""
    check = check_routes(optw_instance, [[0, 3, 1, 0]])
    assert not check.feasible
    assert "after its window closes" in check.violations[0]


def test_integer_data_is_conservative_for_top_and_exact_for_optw(
    top_instance: Instance, optw_instance: Instance
) -> None:
    """TOP travel rounds up in thousandths; OPTW travel, service and windows scale by 10."""
    top = integer_data(top_instance)
    assert top.travel[0, 2] == 5000
    assert top.horizon == 9000
    optw = integer_data(optw_instance)
    assert optw.travel[0, 3] == 14
    assert optw.travel[2, 3] == 36
    assert optw.service == (0, 20, 20, 10)
    assert optw.windows is not None
    assert optw.windows[2] == (100, 200)
    assert optw.horizon == 180
    assert (np.diag(optw.travel) == 0).all()


def test_to_problem_makes_one_shift_per_route_and_one_hotspot_per_customer(
    optw_instance: Instance,
) -> None:
    """The product's problem has the matrix, m shifts over [0, Tmax] and windowed hotspots."""
    problem = to_problem(optw_instance)
    assert problem.num_locations == 4
    assert [(s.start_location, s.end_location, s.end_s) for s in problem.shifts] == [(0, 0, 180)]
    assert [h.location for h in problem.hotspots] == [1, 2, 3]
    assert problem.hotspots[0].windows[0].end_s == 40
    assert problem.hotspots[2].dwell_s == 10


@pytest.mark.parametrize("engine", ["ours", "pyvrp", "vroom"])
def test_engines_return_checked_feasible_routes(
    engine: str, top_instance: Instance, optw_instance: Instance
) -> None:
    """Each engine's mapped routes pass the checker and reach the brute-force optimum."""
    if engine == "pyvrp":
        pytest.importorskip("pyvrp")
    if engine == "vroom":
        pytest.importorskip("vroom")
    for instance, optimum in ((top_instance, 7), (optw_instance, 60)):
        run = timed_run(engine, instance, 0.5, 0)
        assert run.error is None
        assert run.routes is not None
        check = check_routes(instance, run.routes)
        assert check.feasible, check.violations
        assert check.score == optimum
