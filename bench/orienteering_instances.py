"""Orienteering benchmark instances: parsers and the benchmarks' own distance conventions.

Two formats:

- Chao's team orienteering (TOP) files: ``n N``, ``m M``, ``tmax T``, then N lines
  ``x y score``; the first line is the start, the last the end of every route. Distances are
  Euclidean; ``tmax`` limits each route's length.
- The Vansteenwegen et al. layout of the orienteering problem with time windows (OPTW/TOPTW):
  a header line ``k v N t``, a line ``D Q``, then one line per vertex
  ``i x y d S f a list O C``. Vertex 0 is start and end, ``d`` the service duration, ``S`` the
  profit and ``[O, C]`` the allowed start of service; vertex 0's ``C`` is the time limit.
  Travel time is the Euclidean distance truncated to one decimal (Solomon) or two (Cordeau's
  ``pr*`` files). The number of routes is not in the file; it is chosen when reading.

Everything here works in the benchmarks' real (float) units; integer scaling for the engines
lives in ``orienteering.py``.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from pathlib import Path

    from numpy.typing import NDArray

Family = Literal["top", "optw"]


@dataclass(frozen=True, slots=True)
class Instance:
    """One orienteering instance, in the benchmark's own units.

    Parameters
    ----------
    name
        Instance name; OPTW names carry the route count, e.g. ``c101_m1``.
    family
        ``"top"`` (route-length limit, no windows) or ``"optw"`` (time windows).
    x, y
        Coordinates of every vertex, start and end included.
    scores
        Score (profit) of each vertex; start and end score 0.
    service
        Service duration of each vertex (all 0 for TOP).
    windows
        Allowed start of service ``(open, close)`` per vertex, or ``None`` without windows.
    num_routes
        Number of routes allowed.
    tmax
        TOP: the length limit of each route. OPTW: the time by which each route must be back.
    start, end
        Vertex indices where every route starts and ends.
    decimals
        Travel time is the Euclidean distance truncated to this many decimals; ``None`` keeps
        it exact.
    bks
        Best-known (or optimal) score, or ``None`` when there is none.
    matrix
        Travel times given outright (e.g. a street network's), used instead of the
        coordinates; ``decimals`` still truncates them.
    """

    name: str
    family: Family
    x: tuple[float, ...]
    y: tuple[float, ...]
    scores: tuple[float, ...]
    service: tuple[float, ...]
    windows: tuple[tuple[float, float], ...] | None
    num_routes: int
    tmax: float
    start: int
    end: int
    decimals: int | None = None
    bks: float | None = None
    matrix: tuple[tuple[float, ...], ...] | None = None

    def __post_init__(self) -> None:
        n = len(self.x)
        sizes = {len(self.y), len(self.scores), len(self.service)}
        if self.windows is not None:
            sizes.add(len(self.windows))
        if sizes != {n}:
            msg = f"instance {self.name!r} has vertex lists of different lengths."
            raise ValueError(msg)
        if not (0 <= self.start < n and 0 <= self.end < n):
            msg = f"instance {self.name!r} has its start or end outside its {n} vertices."
            raise ValueError(msg)
        if self.num_routes < 1:
            msg = f"instance {self.name!r} needs at least one route."
            raise ValueError(msg)

    @property
    def num_vertices(self) -> int:
        """Number of vertices, start and end included."""
        return len(self.x)

    @property
    def customers(self) -> list[int]:
        """Vertices that may be visited: neither start nor end."""
        return [v for v in range(self.num_vertices) if v not in (self.start, self.end)]

    def travel(self, i: int, j: int) -> float:
        """Travel time (= distance) from ``i`` to ``j`` by the benchmark's convention."""
        if self.matrix is not None:
            d = self.matrix[i][j]
        else:
            d = math.hypot(self.x[i] - self.x[j], self.y[i] - self.y[j])
        if self.decimals is None:
            return float(d)
        factor = 10**self.decimals
        return float(math.floor(d * factor + 1e-9) / factor)

    def travel_matrix(self) -> NDArray[np.float64]:
        """All travel times, as a float matrix."""
        n = self.num_vertices
        return np.array([[self.travel(i, j) for j in range(n)] for i in range(n)])


def read_bks(path: Path) -> dict[str, float]:
    """Best-known scores from a ``bks.csv`` with columns ``instance,bks,...``."""
    with path.open(newline="") as fh:
        return {row["instance"]: float(row["bks"]) for row in csv.DictReader(fh)}


def read_top(path: Path, *, bks: float | None = None) -> Instance:
    """Read a Chao team orienteering file.

    Raises
    ------
    ValueError
        When the header is missing or the vertex count does not match ``n``.
    """
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    header = {line[0]: line[1] for line in lines[:3]}
    if set(header) != {"n", "m", "tmax"}:
        msg = f"{path.name} does not start with the 'n', 'm' and 'tmax' lines of a TOP file."
        raise ValueError(msg)
    rows = [[float(value) for value in line[:3]] for line in lines[3:]]
    n = int(header["n"])
    if len(rows) != n:
        msg = f"{path.name} declares {n} vertices but lists {len(rows)}."
        raise ValueError(msg)
    return Instance(
        name=path.stem,
        family="top",
        x=tuple(r[0] for r in rows),
        y=tuple(r[1] for r in rows),
        scores=tuple(r[2] for r in rows),
        service=(0.0,) * n,
        windows=None,
        num_routes=int(header["m"]),
        tmax=float(header["tmax"]),
        start=0,
        end=n - 1,
        bks=bks,
    )


def read_optw(path: Path, *, num_routes: int = 1, bks: float | None = None) -> Instance:
    """Read an OPTW/TOPTW file (Solomon or Cordeau based) for ``num_routes`` routes.

    Raises
    ------
    ValueError
        When the vertex count in the header does not match the vertex lines.
    """
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    n = int(lines[0][2]) + 1  # N customers plus vertex 0
    vertex_lines = [line for line in lines[2:] if len(line) >= 9]
    if len(vertex_lines) != n:
        msg = f"{path.name} declares {n - 1} customers but lists {len(vertex_lines) - 1}."
        raise ValueError(msg)
    x, y, service, scores, windows = [], [], [], [], []
    for i, line in enumerate(vertex_lines):
        if int(line[0]) != i:
            msg = f"{path.name}: vertex line {i} is numbered {line[0]}."
            raise ValueError(msg)
        num_patterns = int(line[6])
        x.append(float(line[1]))
        y.append(float(line[2]))
        service.append(float(line[3]))
        scores.append(float(line[4]))
        windows.append((float(line[7 + num_patterns]), float(line[8 + num_patterns])))
    return Instance(
        name=f"{path.stem}_m{num_routes}",
        family="optw",
        x=tuple(x),
        y=tuple(y),
        scores=tuple(scores),
        service=tuple(service),
        windows=tuple(windows),
        num_routes=num_routes,
        tmax=windows[0][1],
        start=0,
        end=0,
        decimals=2 if path.stem.startswith("pr") else 1,
        bks=bks,
    )


def is_top_file(path: Path) -> bool:
    """True when ``path`` starts like a Chao TOP file (``n N``)."""
    with path.open() as fh:
        first = fh.readline().split()
    return bool(first) and first[0] == "n"


def load_set(
    directory: Path, *, names: set[str] | None = None, routes: tuple[int, ...] = (1,)
) -> list[Instance]:
    """Every instance of a benchmark directory, with best-known scores from its ``bks.csv``.

    Parameters
    ----------
    directory
        A folder of instance files (``*.txt``) and optionally ``bks.csv``.
    names
        Keep only these instance names (OPTW: with or without the ``_mM`` suffix).
    routes
        Route counts to read OPTW files with; TOP files fix their own.
    """
    bks_path = directory / "bks.csv"
    bks = read_bks(bks_path) if bks_path.exists() else {}
    instances: list[Instance] = []
    for path in sorted(directory.glob("*.txt")):
        if path.name.upper() == "FORMAT.TXT":
            continue
        if is_top_file(path):
            if names is None or path.stem in names:
                instances.append(read_top(path, bks=bks.get(path.stem)))
            continue
        for m in routes:
            key = f"{path.stem}_m{m}"
            if names is None or key in names or path.stem in names:
                instances.append(read_optw(path, num_routes=m, bks=bks.get(key)))
    return instances


@dataclass(frozen=True, slots=True)
class Check:
    """The verdict on a set of routes: collected score and every rule broken."""

    score: float
    violations: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        """True when no rule is broken."""
        return not self.violations


def check_routes(instance: Instance, routes: list[list[int]], *, tolerance: float = 1e-6) -> Check:
    """Check routes against the instance itself, in real units; independent of every engine.

    Each route is a list of vertex indices from the start vertex to the end vertex. Times are
    recomputed from the coordinates with the benchmark's distance convention, leaving the start
    at time 0 and starting each service as early as its window allows (waiting is allowed,
    so this schedule is feasible whenever any schedule is).

    Parameters
    ----------
    instance
        The instance the routes were planned for.
    routes
        One vertex list per used route, start and end included.
    tolerance
        Slack for float comparisons, in the instance's time unit.

    Returns
    -------
    Check
        The score of the visited vertices and the violations found (empty when feasible).
    """
    violations: list[str] = []
    n = instance.num_vertices
    if len(routes) > instance.num_routes:
        violations.append(f"{len(routes)} routes, {instance.num_routes} allowed")
    seen: set[int] = set()
    score = 0.0
    for r, route in enumerate(routes):
        if len(route) < 2 or route[0] != instance.start or route[-1] != instance.end:
            violations.append(
                f"route {r} does not run from vertex {instance.start} to vertex {instance.end}"
            )
            continue
        time = 0.0
        prev = instance.start
        for vertex in route[1:-1]:
            if not 0 <= vertex < n or vertex in (instance.start, instance.end):
                violations.append(f"route {r} visits vertex {vertex}, which is not a customer")
                continue
            if vertex in seen:
                violations.append(f"vertex {vertex} is visited more than once")
            else:
                seen.add(vertex)
                score += instance.scores[vertex]
            time += instance.travel(prev, vertex)
            if instance.windows is not None:
                open_, close = instance.windows[vertex]
                if time > close + tolerance:
                    violations.append(
                        f"route {r} starts vertex {vertex} at {time:.4f}, after its window "
                        f"closes at {close:g}"
                    )
                time = max(time, open_)
            time += instance.service[vertex]
            prev = vertex
        time += instance.travel(prev, instance.end)
        if time > instance.tmax + tolerance:
            violations.append(f"route {r} ends at {time:.4f}, past the limit {instance.tmax:g}")
    return Check(score=score, violations=tuple(violations))
