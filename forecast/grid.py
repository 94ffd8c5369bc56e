"""A square raster in projected metres: where risk surfaces live and disc centres are chosen."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

if TYPE_CHECKING:
    from .projection import FloatArray

IntArray = NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Grid:
    """``ny`` x ``nx`` square cells of ``cell_m`` metres; cell (0, 0) has its corner at (x0, y0).

    Values on the grid are amounts per cell (e.g. expected burglaries), so sums over cells
    are amounts over areas. Cell centres ("nodes") are the candidate hotspot centres.

    Raises
    ------
    ValueError
        If the cell size or the shape is not positive.
    """

    x0_m: float
    y0_m: float
    cell_m: float
    nx: int
    ny: int

    def __post_init__(self) -> None:
        if not self.cell_m > 0:
            msg = f"Grid cells must be larger than 0 m, got {self.cell_m}."
            raise ValueError(msg)
        if self.nx < 1 or self.ny < 1:
            msg = f"A grid needs at least one cell, got {self.ny} x {self.nx}."
            raise ValueError(msg)

    @classmethod
    def covering(cls, x_m: FloatArray, y_m: FloatArray, *, cell_m: float, margin_m: float) -> Grid:
        """The grid over the points' bounding box plus a margin.

        The corner sits on a multiple of ``cell_m`` from the projection centre, so the nodes
        depend on the area, not on where any one record lies.

        Parameters
        ----------
        x_m, y_m
            Points in metres (at least one).
        cell_m
            Cell size in metres.
        margin_m
            Extra room on every side, in metres.

        Returns
        -------
        Grid
        """
        x0 = math.floor((float(np.min(x_m)) - margin_m) / cell_m) * cell_m
        y0 = math.floor((float(np.min(y_m)) - margin_m) / cell_m) * cell_m
        nx = math.ceil((float(np.max(x_m)) + margin_m - x0) / cell_m)
        ny = math.ceil((float(np.max(y_m)) + margin_m - y0) / cell_m)
        return cls(x0, y0, cell_m, max(nx, 1), max(ny, 1))

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)``: rows run north, columns east."""
        return self.ny, self.nx

    @property
    def cell_area_m2(self) -> float:
        """Area of one cell in square metres."""
        return self.cell_m * self.cell_m

    def node_xy(self, rows: IntArray, cols: IntArray) -> tuple[FloatArray, FloatArray]:
        """Centres of cells, in metres."""
        x = self.x0_m + (np.asarray(cols, dtype=float) + 0.5) * self.cell_m
        y = self.y0_m + (np.asarray(rows, dtype=float) + 0.5) * self.cell_m
        return x, y

    def cell_of(self, x_m: FloatArray, y_m: FloatArray) -> tuple[IntArray, IntArray]:
        """Row and column of the cells holding the points (clipped to the grid)."""
        rows = np.floor((np.asarray(y_m, dtype=float) - self.y0_m) / self.cell_m).astype(np.intp)
        cols = np.floor((np.asarray(x_m, dtype=float) - self.x0_m) / self.cell_m).astype(np.intp)
        return np.clip(rows, 0, self.ny - 1), np.clip(cols, 0, self.nx - 1)

    def counts(self, x_m: FloatArray, y_m: FloatArray, weights: FloatArray) -> FloatArray:
        """Sum of ``weights`` of the points in each cell."""
        rows, cols = self.cell_of(x_m, y_m)
        flat = np.bincount(rows * self.nx + cols, weights=weights, minlength=self.nx * self.ny)
        return np.asarray(flat, dtype=float).reshape(self.shape)

    def smooth(
        self, x_m: FloatArray, y_m: FloatArray, weights: FloatArray, *, bandwidth_m: float
    ) -> FloatArray:
        """Each point's weight spread as an isotropic Gaussian of ``bandwidth_m``.

        Points are binned to cells first, so positions are exact to half a cell. The total
        weight is kept except what the Gaussians carry beyond the grid's edge.

        Parameters
        ----------
        x_m, y_m, weights
            Points and their weights.
        bandwidth_m
            Standard deviation of the Gaussian in metres.

        Returns
        -------
        ndarray
            Weight per cell, shape ``(ny, nx)``.
        """
        binned = self.counts(x_m, y_m, weights)
        return np.asarray(
            ndimage.gaussian_filter(
                binned, bandwidth_m / self.cell_m, mode="constant", truncate=4.0
            ),
            dtype=float,
        )

    def disc_footprint(self, radius_m: float) -> NDArray[np.bool_]:
        """Cells whose centres lie within ``radius_m`` of a node, as a square boolean mask."""
        reach = math.floor(radius_m / self.cell_m)
        offsets = np.arange(-reach, reach + 1, dtype=float) * self.cell_m
        dy, dx = np.meshgrid(offsets, offsets, indexing="ij")
        return np.asarray(dx * dx + dy * dy <= radius_m * radius_m)
