"""Tiny hand-checkable problems for the solver."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from solver import SolveParams


@pytest.fixture(scope="session")
def quick() -> SolveParams:
    """A short search: enough for the tiny instances here."""
    return SolveParams(time_limit_s=0.5)


@pytest.fixture(scope="session")
def line_matrix() -> npt.NDArray[np.int64]:
    """Six points on a line, 100 s apart: travel(i, j) = 100 * |i - j|."""
    idx = np.arange(6)
    matrix: npt.NDArray[np.int64] = (100 * np.abs(idx[:, None] - idx[None, :])).astype(np.int64)
    return matrix
