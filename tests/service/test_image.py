"""The container image without a Docker engine: the Dockerfile's files laid out, installed and
run as the image would, and docker-compose.yml checked against the commands and settings
that exist."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from fnmatch import fnmatch
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined and
    comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in dockerfile.splitlines():
        if not pending and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        lines.append(pending + raw)
        pending = ""
    out = []
    for line in lines:
        keyword, _, rest = line.strip().partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


def _ignored(relative: str, patterns: list[str]) -> bool:
    """Whether ``relative`` is left out by one of .dockerignore's patterns."""
    parts = relative.split("/")
    for pattern in patterns:
        core = pattern.removeprefix("**/")
        if pattern.startswith("**/") and any(fnmatch(p, core) for p in parts):
            return True
        if fnmatch(relative, pattern) or relative.split("/")[0] == pattern:
            return True
    return False


def _copy(sources: list[str], dest: str, app: Path, patterns: list[str]) -> None:
    """Do what ``COPY sources dest`` does with WORKDIR /app: files and folder contents."""
    target = app / dest if not dest.startswith("/") else Path(str(app) + dest.removeprefix("/app"))
    for source in sources:
        path = REPO / source
        assert path.exists(), f"COPY {source}: no such file in the repository"
        if path.is_file():
            to = target / path.name if dest.endswith("/") or len(sources) > 1 else target
            to.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, to)
            continue
        for file in sorted(path.rglob("*")):
            relative = file.relative_to(REPO).as_posix()
            if file.is_dir() or _ignored(relative, patterns):
                continue
            to = target / file.relative_to(path)
            to.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, to)


class Image:
    """The image's files in a scratch folder: ``app`` for /app, ``venv`` for the
    interpreter of python:3.11-slim, ``env`` for its environment."""

    def __init__(self, root: Path) -> None:
        self.app = root / "app"
        self.venv = root / "venv"
        self.env: dict[str, str] = {}

    def translate(self, text: str) -> str:
        """A Dockerfile path or command with /app and the system site-packages in here."""
        site = sysconfig.get_path("purelib", vars={"base": str(self.venv)})
        text = text.replace("/usr/local/lib/python3.11/site-packages", site)
        return re.sub(r"(?<!\w)/app\b", str(self.app), text)

    def environment(self) -> dict[str, str]:
        """What a container's process sees: the image's ENV, its interpreter first on PATH,
        nothing of this test process's EYES_* or virtualenv."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("EYES_", "VIRTUAL_ENV", "PYTHON", "COV_CORE"))
        }
        env["PATH"] = f"{self.venv / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}"
        env.update(self.env)
        return env

    def run(self, command: str, *, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run a shell command in /app as the image would."""
        return subprocess.run(
            ["bash", "-c", command],
            cwd=self.app,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def _pip(image: Image, arguments: str) -> str:
    """A RUN line's ``pip ...`` for the scratch interpreter, offline.

    The base image's pip would fetch the locked dependencies from the registry; here they
    are the ones this test environment installed from the same lock (on the scratch
    interpreter's path after its own site-packages), so pip resolves the same constraints
    without the network. The isolated build takes setuptools from the wheel virtualenv
    (a dev dependency) carries. ``--no-index --find-links`` are the only additions.
    """
    embed = pytest.importorskip("virtualenv.seed.wheels.embed")
    wheels = Path(embed.__file__).parent
    if not list(wheels.glob("setuptools-*.whl")):
        pytest.skip("no setuptools wheel on this machine to build the package offline")
    words = shlex.split(arguments)
    if words[0] == "install":
        words[1:1] = ["--no-index", "--find-links", str(wheels)]
    pip = [sys.executable, "-m", "pip", "--python", str(image.venv / "bin" / "python")]
    return shlex.join(pip + words)


def _run_line(image: Image, line: str) -> None:
    """Run a RUN line: its pip and python steps here; user and ownership steps are the
    container's business and are skipped (``mkdir`` is kept)."""
    for step in (s.strip() for s in line.split("&&")):
        word = step.split()[0]
        if word in {"useradd", "chown"}:
            continue
        command = step
        if word == "pip":
            command = _pip(image, step.removeprefix("pip").strip())
        elif word == "python":
            command = shlex.join([str(image.venv / "bin" / "python")]) + step[len("python") :]
        done = image.run(image.translate(command))
        assert done.returncode == 0, f"RUN {step[:120]}\n{done.stdout[-2000:]}{done.stderr[-4000:]}"


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    """The image built from the Dockerfile into a scratch folder: each COPY line's files
    (less .dockerignore's), each RUN line's install, compile and graph bake, each ENV."""
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    patterns = [
        p.strip()
        for p in (REPO / ".dockerignore").read_text().splitlines()
        if p.strip() and not p.startswith("#")
    ]
    built = Image(tmp_path_factory.mktemp("image"))
    built.app.mkdir()
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", built.venv], check=True)
    # The locked dependencies this test runs on stand in for the base image's registry
    # download; only the folder itself, not its .pth files (the editable checkout).
    site = Path(sysconfig.get_path("purelib", vars={"base": str(built.venv)}))
    (site / "locked-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    for keyword, arguments in _instructions(dockerfile):
        if keyword == "COPY":
            *sources, dest = shlex.split(arguments)
            _copy(sources, dest, built.app, patterns)
        elif keyword == "RUN":
            _run_line(built, arguments)
        elif keyword == "ENV":
            for assignment in shlex.split(arguments):
                name, _, value = assignment.partition("=")
                built.env[name] = built.translate(value)
    return built


@pytest.mark.slow
def test_image_runs_its_commands(image: Image) -> None:
    """The image's own files, not this checkout, serve ``eyes``: ``--help``, ``migrate`` on
    its SQLite, ``hotspots`` on the sample records (which needs ``forecast/``) and ``plan``
    on the sample request all succeed."""
    where = image.run("python -c 'import forecast, service; print(service.__file__)'")
    assert where.returncode == 0, where.stderr[-3000:]
    # From /app (the working directory) or the installed copy, never from this checkout.
    assert not where.stdout.strip().startswith(str(REPO)), where.stdout
    help_text = image.run("eyes --help")
    assert help_text.returncode == 0, help_text.stderr[-3000:]
    assert "hotspots" in help_text.stdout
    migrated = image.run("eyes migrate")
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    assert (image.app / "var" / "eyes.db").is_file()
    hotspots = image.run(
        "eyes hotspots examples/sindal_burglaries.csv --area sindal --as-of 2026-11-23 --count 5"
    )
    assert hotspots.returncode == 0, hotspots.stderr[-3000:]
    assert len(json.loads(hotspots.stdout)["hotspots"]) == 5
    plan = image.run("eyes plan examples/sindal_request.json")
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert json.loads(plan.stdout)["routes"]


def _compose() -> dict[str, object]:
    yaml = pytest.importorskip("yaml")
    loaded: dict[str, object] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return loaded


def test_compose_commands_and_settings_exist() -> None:
    """Every ``command`` of docker-compose.yml's services that runs ``eyes`` parses with
    the ``eyes`` command's own parser, and every EYES_* variable it sets is a setting."""
    from service.cli import build_parser
    from service.config import Settings

    compose = _compose()
    services = compose["services"]
    assert isinstance(services, dict)
    parser = build_parser()
    commands = 0
    for name, service in services.items():
        command = service.get("command")
        if not command or command[0] != "eyes":
            continue
        commands += 1
        try:
            parser.parse_args(command[1:])
        except SystemExit:
            pytest.fail(f"service {name}: `{' '.join(command)}` is not an eyes command")
    assert commands >= 4
    known = {f"EYES_{field.upper()}" for field in Settings.model_fields}
    set_here: set[str] = set()
    for service in services.values():
        set_here |= {k for k in service.get("environment") or {} if k.startswith("EYES_")}
    assert set_here, "docker-compose.yml sets no EYES_* variable"
    assert not set_here - known, f"not settings: {sorted(set_here - known)}"


def test_compose_health_checks_import_what_exists() -> None:
    """The Python health checks of docker-compose.yml import names the code has (a renamed
    ``make_celery`` would leave every worker unhealthy)."""
    import ast
    import importlib

    checked = 0
    for service in _compose()["services"].values():  # type: ignore[attr-defined]
        test = (service.get("healthcheck") or {}).get("test") or []
        if "-c" not in test:
            continue
        code = test[test.index("-c") + 1]
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.ImportFrom) and node.module:
                module = importlib.import_module(node.module)
                for alias in node.names:
                    assert hasattr(module, alias.name), f"{node.module}.{alias.name}"
                    checked += 1
    assert checked >= 2
