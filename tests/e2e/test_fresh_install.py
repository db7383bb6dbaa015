"""What issue 12's "Done means" asks, checked as a new user meets it: the wheel built from the repo,
installed into a fresh venv, used by a project of its own that has a ``client.py``, a
``contracts/`` folder and a ``simulator.py``.

The wheel is built once per session (``pip wheel --no-deps``). To stay fast and offline the fresh
venv reaches the dev venv's third-party packages through a ``.pth`` line, but spotler_sim and
spotler_connector themselves come from the wheel, which the first test pins.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import httpx
import pytest

from spotler_sim.testing.server import free_port, running

REPO = Path(__file__).resolve().parents[2]
DEV_TOOLS = {"pytest", "mypy", "ruff", "selenium"}

USER_TEST = """
from datetime import UTC, datetime

import client
import contracts
import simulator


def test_my_connector_against_the_simulator(spotler_sim):
    assert client.name() == "the user's own client"  # not a package of ours
    assert contracts.__file__.startswith(MY_PROJECT) and simulator.ROLE == "mine"
    spotler_sim.faults.add("status", status=503, path="/contact/*", method="GET", first=1)
    with spotler_sim.client() as api:
        assert api.get("/contact/nobody").status_code == 503
        assert api.get("/contact/nobody").status_code == 404
    assert spotler_sim.journal.count("GET", "/contact/*") == 2
    spotler_sim.clock.freeze(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    spotler_sim.clock.advance(minutes=90)
    assert spotler_sim.clock.now() == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
"""


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(REPO)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout + built.stderr
    [found] = folder.glob("spotler_sim-*.whl")
    return found


@pytest.fixture(scope="session")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed (and the dev venv's third-party packages)."""
    root = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=300)
    python = root / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    (Path(site) / "dev-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # What `pip install pytest` would write; pip itself would see the dev venv's pytest and stop.
    script = root / "bin" / "pytest"
    script.write_text(
        f"#!{python}\nimport sys\nfrom pytest import console_main\nsys.exit(console_main())\n"
    )
    script.chmod(0o755)
    return root


def in_venv(venv: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "PYTHONPATH": "",
    }


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A user's project whose names are the generic ones our folders have."""
    root = tmp_path / "my-shop"
    (root / "contracts").mkdir(parents=True)
    (root / "contracts" / "__init__.py").write_text("")
    (root / "contracts" / "orders.yaml").write_text("openapi: 3.0.3\n")
    (root / "client.py").write_text('def name() -> str:\n    return "the user\'s own client"\n')
    (root / "simulator.py").write_text('ROLE = "mine"\n')
    (root / "test_sync.py").write_text(f"MY_PROJECT = {str(root)!r}\n" + USER_TEST)
    yield root


def test_the_package_comes_from_the_wheel(venv: Path) -> None:
    code = (
        "import spotler_sim, spotler_connector, importlib.metadata as m;"
        "print(spotler_sim.__file__); print(spotler_connector.__file__);"
        "print(m.distribution('spotler-sim').locate_file(''))"
    )
    shown = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        capture_output=True, text=True, check=True, env=in_venv(venv), cwd=venv,
    ).stdout.split()  # fmt: skip
    assert all(path.startswith(str(venv)) for path in shown), shown


@pytest.mark.parametrize("command", [["python", "-m", "pytest"], ["pytest"]])
def test_a_project_with_its_own_client_runs_the_fixture(
    venv: Path, project: Path, command: list[str]
) -> None:
    done = subprocess.run(
        [str(venv / "bin" / command[0]), *command[1:], "-q", "-p", "no:cacheprovider"],
        capture_output=True, text=True, timeout=300, check=False, cwd=project, env=in_venv(venv),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_the_wheel_installs_only_our_two_names_and_no_dev_tools(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
        requires = Parser().parsestr(archive.read(metadata).decode()).get_all("Requires-Dist")
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert top == {"spotler_sim", "spotler_connector"}
    runtime = {
        r.split(";")[0].split("[")[0].split(">")[0].split("=")[0].strip().lower()
        for r in requires or []
        if "extra ==" not in r
    }
    assert runtime and not runtime & DEV_TOOLS, runtime
    scenarios = {n.rsplit("/", 1)[-1] for n in names if "/scenarios/" in n}
    assert {"flaky-network.yaml", "lost-responses.yaml"} <= scenarios


def test_serve_a_scenario_by_name_from_the_fresh_venv(venv: Path, tmp_path: Path) -> None:
    port = free_port()
    command = [str(venv / "bin" / "spotler-sim"), "serve", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with running(
        [*command, "--scenario", "flaky-network"], base + "/openapi.json", tmp_path / "serve.log",
        start_timeout=180,
    ):  # fmt: skip
        faults = httpx.get(base + "/__admin/faults", timeout=30).json()
    assert faults, "the flaky-network scenario added no fault rules"


def test_the_connector_demo_runs_a_scenario_from_the_fresh_venv(venv: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(venv / "bin" / "spotler-connector"), "demo", "--scenario", "lost-responses"],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
        env={**in_venv(venv), "COLUMNS": "200"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
