"""`make mutate`: mutation testing of the modules that carry the project's promises.

mutmut (3.x) makes each small change ("mutant") to a module and runs the fast tests that cover
it; a mutant no test notices has *survived*. mutmut is used because it runs each mutant in a
process forked from one warm pytest and only the tests that reach the mutated function, which
keeps a run within minutes on a shared machine (cosmic-ray starts a fresh test run per mutant).
It expects the code under ``src/``, and ours lives in ``simulator/`` and ``client/``: so this
script copies both packages into ``build/mutate/src/`` with the tests, and runs mutmut there.
The work tree is never touched.

    make mutate                          # every module, 2 mutants at a time
    make mutate MODULES=dedup,lag        # some of them (their file stems)
    make mutate MUTATE_JOBS=1            # gentler on a busy machine
    make mutate MUTATE_STAGE=build/m2    # another staging folder, beside a run in progress

It prints the score per module and every surviving mutant as a diff. A survivor named in
docs/mutation-survivors.md is marked explained (an equivalent mutant, with the reason there);
the script exits 1 when a module scores below 90 % or a survivor is not explained.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
STAGE = Path(os.environ.get("MUTATE_STAGE") or ROOT / "build" / "mutate").resolve()
TRIAGE = ROOT / "docs" / "mutation-survivors.md"
THRESHOLD = 90.0

# Each module with the fast tests that cover it: in-process only, since a mutant lives in the
# test process (a served simulator runs the original code).
MODULES: dict[str, tuple[str, ...]] = {
    "client/spotler_connector/queue.py": (
        "tests/client/test_retry_policy.py",
        "tests/client/test_queue_operations.py",
        "tests/property/test_outbox_machine.py",
    ),
    "client/spotler_connector/worker.py": ("tests/client/test_worker_outcomes.py",),
    "client/spotler_connector/poller.py": (
        "tests/client/test_poller.py::test_a_margin_of_at_least_the_lag_sees_every_change_once",
        "tests/client/test_poller.py::test_a_short_margin_needs_the_flag_and_warns",
        "tests/client/test_poller_windows.py",
    ),
    "simulator/spotler_sim/domain/dedup.py": ("tests/property/test_dedup_rules.py",),
    "simulator/spotler_sim/domain/lag.py": (
        "tests/unit/test_clock_and_lag.py",
        "tests/unit/test_lag_draws.py",
    ),
    "simulator/spotler_sim/domain/timewindows.py": (
        "tests/unit/test_timewindows.py",
        "tests/unit/test_timewindows_messages.py",
    ),
}
PACKAGES = {"spotler_sim": ROOT / "simulator", "spotler_connector": ROOT / "client"}
KILLED = {1, 3, 24, -24, 152, 255, 36, 37}  # failed tests, timeouts, type checks (mutmut's codes)
SKIPPED = {34}


@dataclass
class Score:
    module: str
    killed: int = 0
    survived: int = 0
    no_tests: int = 0

    @property
    def total(self) -> int:
        return self.killed + self.survived + self.no_tests

    @property
    def percent(self) -> float:
        return 100.0 * self.killed / self.total if self.total else 100.0


def staged(module: str) -> str:
    """``client/spotler_connector/queue.py`` -> ``src/spotler_connector/queue.py``."""
    return "src/" + module.split("/", 1)[1]


def stage(modules: list[str]) -> None:
    shutil.rmtree(STAGE, ignore_errors=True)
    for package, parent in PACKAGES.items():
        shutil.copytree(parent / package, STAGE / "src" / package, ignore=_caches)
    shutil.copytree(ROOT / "tests", STAGE / "tests", ignore=_caches)
    tests = sorted({t for m in modules for t in MODULES[m] if (ROOT / t.split("::")[0]).exists()})
    config = (
        (ROOT / "pyproject.toml").read_text()
        + "\n[tool.mutmut]\n"
        + "\n".join(
            [
                'source_paths = ["src"]',
                f"only_mutate = {json.dumps([staged(m) for m in modules])}",
                'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]',
                f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
                "use_git_change_detection = false",
            ]
        )
    )
    (STAGE / "pyproject.toml").write_text(config + "\n")


def _caches(_: str, names: list[str]) -> set[str]:
    return {n for n in names if n in ("__pycache__", ".hypothesis", ".pytest_cache")}


def results(modules: list[str]) -> tuple[list[Score], list[str]]:
    scores, survivors = [], []
    for module in modules:
        score = Score(module)
        meta = STAGE / "mutants" / (staged(module) + ".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
        for name, code in sorted(codes.items(), key=lambda item: _natural(item[0])):
            if code in KILLED:
                score.killed += 1
            elif code in SKIPPED:
                continue
            else:  # survived (0), no test reached it (33, 5), not run, suspicious
                score.survived += code == 0
                score.no_tests += code != 0
                survivors.append(name)
        scores.append(score)
    return scores, survivors


def _natural(name: str) -> tuple[str, int]:
    stem, _, number = name.rpartition("_")
    return stem, int(number) if number.isdigit() else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", default=os.environ.get("MODULES", ""))
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATE_JOBS", "2")))
    args = parser.parse_args()
    wanted = [m for m in args.modules.split(",") if m]
    modules = [m for m in MODULES if not wanted or Path(m).stem in wanted]
    if not modules:
        names = ", ".join(Path(m).stem for m in MODULES)
        sys.exit(f"MODULES={args.modules!r} names none of the modules: use some of {names}")
    console = Console(width=max(100, Console().width))
    stage(modules)
    console.print(f"mutating {len(modules)} module(s) in {STAGE}")
    mutmut = [sys.executable, "-m", "mutmut"]
    env = {**os.environ, "HYPOTHESIS_PROFILE": "mutate"}  # the same examples for every mutant
    run = subprocess.run(
        [*mutmut, "run", "--max-children", str(args.jobs)], cwd=STAGE, env=env, check=False
    )
    if run.returncode != 0:
        console.print(f"[red]mutmut stopped with exit code {run.returncode}: see above[/red]")
        return run.returncode
    scores, survivors = results(modules)
    explained = TRIAGE.read_text() if TRIAGE.exists() else ""
    table = Table(title="Mutation score per module (killed / mutants)")
    for column in ("module", "mutants", "killed", "survived", "no test", "score"):
        table.add_column(column, justify="left" if column == "module" else "right", no_wrap=True)
    for s in scores:
        colour = "green" if s.percent >= THRESHOLD else "red"
        table.add_row(s.module.split("/", 1)[1], str(s.total), str(s.killed), str(s.survived), str(s.no_tests),
                      f"[{colour}]{s.percent:.1f} %[/{colour}]")  # fmt: skip
    unexplained = [name for name in survivors if name not in explained]
    for name in survivors:
        if name not in unexplained:
            console.print(f"survived, explained in {TRIAGE.relative_to(ROOT)}: {name}")
            continue
        console.rule(f"{name} (not explained)")
        diff = subprocess.run([*mutmut, "show", name], cwd=STAGE, capture_output=True, text=True)
        console.print(diff.stdout.strip(), markup=False, highlight=False)
    console.print(table)
    low = [s.module for s in scores if s.percent < THRESHOLD]
    if low or unexplained:
        console.print(
            f"[red]{len(low)} module(s) below {THRESHOLD:.0f} %, {len(unexplained)} survivor(s) "
            f"not explained[/red]: write the test that kills each, or explain it in "
            f"{TRIAGE.relative_to(ROOT)}"
        )
        return 1
    console.print(f"every module at {THRESHOLD:.0f} % or more; every survivor explained")
    return 0


if __name__ == "__main__":
    sys.exit(main())
