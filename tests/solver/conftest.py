"""Tiny hand-checkable problems for the solver."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from solver import SolveParams

EFFORT = 1_000
"""PyVRP iterations per seed and OR-Tools solutions per search: plenty for tiny instances."""

GUARD_S = 120.0
"""The time limit at a fixed effort: a guard against a hang, never what ends a search."""


def at_effort(**options: Any) -> SolveParams:
    """Search settings at a fixed effort (``SolveParams.max_iterations``, ``EFFORT`` unless
    given): the plan depends on the problem, the seed and the effort only, never on how
    busy the machine is."""
    return SolveParams(**{"time_limit_s": GUARD_S, "max_iterations": EFFORT, **options})


@pytest.fixture(scope="session")
def quick() -> SolveParams:
    """A fixed-effort search (``at_effort()``): enough for the tiny instances here."""
    return at_effort()


@pytest.fixture(scope="session")
def line_matrix() -> npt.NDArray[np.int64]:
    """Six points on a line, 100 s apart: travel(i, j) = 100 * |i - j|."""
    idx = np.arange(6)
    matrix: npt.NDArray[np.int64] = (100 * np.abs(idx[:, None] - idx[None, :])).astype(np.int64)
    return matrix
