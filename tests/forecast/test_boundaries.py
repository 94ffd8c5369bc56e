"""The forecast package stands alone."""

from __future__ import annotations

import ast
from pathlib import Path

import forecast

ALLOWED = {"numpy", "scipy", "pyproj"}


def test_forecast_imports_only_the_standard_library_numpy_scipy_and_pyproj() -> None:
    """No module of forecast/ imports service, solver, graphs or any other third party."""
    import sys

    for path in Path(forecast.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in ALLOWED or top in sys.stdlib_module_names, (
                    f"{path.name} imports {name}"
                )
