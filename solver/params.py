"""Solver tuning, with defaults. The service builds it from settings; the solver reads no env."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class SolveParams:
    """How long and how the solver searches.

    Parameters
    ----------
    time_limit_s
        Wall-clock budget for the search.
    seed
        Varies the search between nights (same seed, same budget: a similar plan).
    first_solution
        OR-Tools ``FirstSolutionStrategy`` name.
    metaheuristic
        OR-Tools ``LocalSearchMetaheuristic`` name.
    stop_early
        Treat ``time_limit_s`` as a maximum: stop once the search has converged and polish
        for the polish share of the limit only. A PyVRP search has converged when it has
        gone ``stall_iterations`` iterations, and ``stall_ratio`` times as many iterations
        as it took to find its best plan, without a better one (so a search that is still
        finding better plans late is given the time); OR-Tools when it finds nothing better
        for ``stall_s``.
    probe_share
        With ``stop_early``, for plans PyVRP cannot model exactly (repeat visits, several
        windows): the share of the limit a first PyVRP search here may take (PyVRP
        searches beside it on another core); when it converges (stalls), the plan is small
        and OR-Tools only polishes, else OR-Tools searches the full model too.
    max_iterations
        A fixed search effort instead of a clock: each PyVRP search runs this many
        iterations and each OR-Tools search descends (greedy descent, not
        ``metaheuristic``) through at most this many solutions to a local optimum; the
        seeds are searched one after another in this process. The plan then depends on the
        problem, the seed and this number only, never on the machine's speed or load
        (``time_limit_s`` is only a guard). ``None`` (the default) searches by the clock.
    balance_weight_per_hour
        Workload balance: the coverage weight worth giving up to cut an hour from the longest
        route's busy time (travel plus stops); 0 leaves balance to chance.
    vary_weight
        Variation between nights: the coverage weight a hotspot visit costs when the same
        staff member visited it the night before (``RoutingProblem.familiar``).
    stall_share, stall_min_s
        ``stall_s`` is ``stall_share`` of the limit, at least ``stall_min_s``; once every
        hotspot visit is covered, OR-Tools stops after ``stall_min_s`` without a shorter plan.
    polish_share, repeat_polish_share
        The share of the limit kept for OR-Tools to polish the best plan on the full model:
        where PyVRP's relaxation is exact, and where it is not (repeat visits, several
        windows). Where it is exact and the objective is PyVRP's own too (no balance, no
        variation), the polish has nothing of its own to add: the search runs on into the
        polish share, leaving ``handback_s`` to read, polish and check its plan, and the
        polish keeps whatever an early stop leaves.
    handback_s
        See ``polish_share``.
    """

    time_limit_s: float = 5.0
    seed: int = 0
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    engine: Literal["portfolio", "ortools"] = "portfolio"
    workers: int = 2
    polish_share: float = 0.05
    repeat_polish_share: float = 0.2
    handback_s: float = 0.2
    log_search: bool = False
    stop_early: bool = True
    stall_iterations: int = 2_000
    stall_ratio: float = 4.0
    stall_share: float = 0.1
    balance_weight_per_hour: float = 0.0
    vary_weight: float = 0.0
    stall_min_s: float = 0.3
    probe_share: float = 0.1
    max_iterations: int | None = None

    def __post_init__(self) -> None:
        if not self.time_limit_s > 0:
            msg = "time_limit_s must be above 0."
            raise ValueError(msg)
        if self.workers < 1:
            msg = "workers must be at least 1."
            raise ValueError(msg)
        if not (0 <= self.polish_share < 1 and 0 <= self.repeat_polish_share < 1):
            msg = "polish shares must be in [0, 1)."
            raise ValueError(msg)
        if self.handback_s < 0:
            msg = "handback_s must not be negative."
            raise ValueError(msg)
        if self.balance_weight_per_hour < 0 or self.vary_weight < 0:
            msg = "balance_weight_per_hour and vary_weight must not be negative."
            raise ValueError(msg)
        if self.stall_iterations < 1 or not 0 < self.stall_share <= 1 or self.stall_min_s < 0:
            msg = "stall_iterations must be at least 1, stall_share in (0, 1], stall_min_s >= 0."
            raise ValueError(msg)
        if self.stall_ratio < 0:
            msg = "stall_ratio must not be negative."
            raise ValueError(msg)
        if self.max_iterations is not None and self.max_iterations < 1:
            msg = "max_iterations must be at least 1 (or None to search by the clock)."
            raise ValueError(msg)

    @property
    def stall_s(self) -> float:
        """How long OR-Tools may go without a better plan before it stops (stop_early)."""
        return max(self.stall_min_s, self.stall_share * self.time_limit_s)
