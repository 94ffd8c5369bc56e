"""Route solver: a routing problem of matrices and ids in, routes out (Google OR-Tools)."""

from .errors import InfeasibleError, ShiftError, SolverError
from .feasibility import check_solution
from .params import SolveParams
from .portfolio import forkserver_context, start_fork_server
from .problem import Hotspot, RoutingProblem, Shift, TimeWindow, Visit
from .solution import LeftOut, Route, Solution, Stop
from .solve import solve

__all__ = [
    "Hotspot",
    "InfeasibleError",
    "LeftOut",
    "Route",
    "RoutingProblem",
    "Shift",
    "ShiftError",
    "Solution",
    "SolveParams",
    "SolverError",
    "Stop",
    "TimeWindow",
    "Visit",
    "check_solution",
    "forkserver_context",
    "solve",
    "start_fork_server",
]
