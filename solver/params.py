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
    """

    time_limit_s: float = 5.0
    seed: int = 0
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    engine: Literal["portfolio", "ortools"] = "portfolio"
    workers: int = 2
    polish_share: float = 0.05
    repeat_polish_share: float = 0.2
    log_search: bool = False

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
