"""Shared test options: live-network tests are opt-in with ``--run-network``."""

from __future__ import annotations

import os

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-network",
        action="store_true",
        default=False,
        help="run tests that need internet access (Overpass)",
    )
    parser.addoption(
        "--evenings",
        type=int,
        default=None,
        help="how many random evenings the plan-version state machine plays (default 4, "
        "or EYES_STATEFUL_EXAMPLES)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-network"):
        return
    skip = pytest.mark.skip(reason="needs internet access; run with --run-network")
    for item in items:
        if "network" in item.keywords:
            item.add_marker(skip)


# The suite reads English unless a test asks for Danish (Accept-Language, use_language):
# the product's default, EYES_LANGUAGE=da, is for deployments. Set before any Settings is
# made, and inherited by the CLI and server processes the tests start.
os.environ.setdefault("EYES_LANGUAGE", "en")
