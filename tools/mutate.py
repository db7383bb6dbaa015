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
    .venv/bin/python tools/mutate.py --report-only   # the tables of the last run, again

It prints two tables: every surviving mutant (its module, name, the line it changed, before and
after, and whether docs/mutation-survivors.md explains it as an equivalent mutant), then the
score per module. It exits 1 when a module scores below 90 %, a survivor is not explained, or
a mutant was not run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape
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
    "simulator/spotler_sim/domain/verdicts.py": (
        "tests/property/test_verdict_rules.py",
        "tests/unit/test_verdict_details.py",
    ),
}
PACKAGES = {"spotler_sim": ROOT / "simulator", "spotler_connector": ROOT / "client"}
KILLED = {1, 3, 24, -24, 152, 255, 36, 37}  # failed tests, timeouts, type checks (mutmut's codes)
TIMEOUTS = {24, -24, 152, 255, 36}  # stopped at its CPU limit: counted killed, shown apart
SKIPPED = {34}
SURVIVED = 0
NOT_RUN = None  # mutmut stopped before it ran the mutant: the run is incomplete


@dataclass
class Survivor:
    module: str
    name: str  # mutmut's, e.g. spotler_sim.domain.dedup.x_find_match__mutmut_6
    status: str  # "survived", "no test" (no selected test reached it), "not run"
    explained: bool = False
    change: str = ""  # the mutated line(s), before -> after

    @property
    def short_name(self) -> str:
        """The name without its package and module: ``x_find_match__mutmut_6``."""
        return self.name.rsplit(".", 1)[-1]


@dataclass
class Score:
    module: str
    killed: int = 0
    timeouts: int = 0  # of the killed
    survived: int = 0
    no_tests: int = 0
    not_run: int = 0
    explained: int = 0

    @property
    def total(self) -> int:
        return self.killed + self.survived + self.no_tests + self.not_run

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
                # A mutant is stopped after 2 x multiplier x (its tests' time + 1 s) of CPU: at
                # mutmut's 15 a mutant that loops for ever (the poller's page walk has several)
                # held a worker for ten minutes; 3 still leaves six times the tests' own time.
                "timeout_multiplier = 3",
            ]
        )
    )
    (STAGE / "pyproject.toml").write_text(config + "\n")


def _caches(_: str, names: list[str]) -> set[str]:
    return {n for n in names if n in ("__pycache__", ".hypothesis", ".pytest_cache")}


def explained_names() -> set[str]:
    """The full mutant names the triage file explains (each in backquotes there)."""
    text = TRIAGE.read_text() if TRIAGE.exists() else ""
    return set(re.findall(r"`([\w.ǁ]+__mutmut_\d+)`", text))


def results(modules: list[str], explained: set[str]) -> tuple[list[Score], list[Survivor]]:
    """Each module's score and its survivors, in mutmut's order (function, then number)."""
    scores, survivors = [], []
    for module in modules:
        score = Score(module)
        meta = STAGE / "mutants" / (staged(module) + ".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
        for name, code in sorted(codes.items(), key=lambda item: _natural(item[0])):
            if code in KILLED:
                score.killed += 1
                score.timeouts += code in TIMEOUTS
                continue
            if code in SKIPPED:
                continue
            if code is NOT_RUN:
                score.not_run += 1
                status = "not run"
            elif code == SURVIVED:
                score.survived += 1
                status = "survived"
            else:  # no selected test reached it (33, 5), or suspicious
                score.no_tests += 1
                status = "no test"
            survivor = Survivor(module, name, status, explained=name in explained)
            score.explained += survivor.explained
            survivors.append(survivor)
        scores.append(score)
    return scores, survivors


def describe_changes(survivors: list[Survivor]) -> None:
    """Fill in each survivor's change from mutmut's diff (read in the staging folder)."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant  # the mutate extra only

    here = Path.cwd()
    os.chdir(STAGE)
    try:
        for survivor in survivors:
            diff = get_diff_for_mutant(survivor.name, path=staged(survivor.module))
            lines = diff.splitlines()[2:]  # past the ---/+++ header
            before = " ".join(line[1:].strip() for line in lines if line.startswith("-"))
            after = " ".join(line[1:].strip() for line in lines if line.startswith("+"))
            survivor.change = compact_change(before, after)
    finally:
        os.chdir(here)


def compact_change(before: str, after: str, context: int = 24) -> str:
    """``before`` and ``after`` as one line: what they share, with ``[old -> new]`` where they
    differ, cut to ``context`` characters either side."""
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1
    while start > 0 and _word(before[start - 1]):  # whole words and quoted strings
        start -= 1
    while end > 0 and _word(before[len(before) - end]):
        end -= 1
    head, tail = before[:start], before[len(before) - end :]
    head = head if len(head) <= context else "..." + head[-context:]
    tail = tail if len(tail) <= context else tail[:context] + "..."
    old, new = before[start : len(before) - end], after[start : len(after) - end]
    return f"{head}[{old or '(nothing)'} -> {new or '(nothing)'}]{tail}"


def _word(char: str) -> bool:
    return char.isalnum() or char in "_\"'"


def _natural(name: str) -> tuple[str, int]:
    stem, _, number = name.rpartition("_")
    return stem, int(number) if number.isdigit() else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", default=os.environ.get("MODULES", ""))
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATE_JOBS", "2")))
    parser.add_argument(
        "--report-only", action="store_true", help="print the tables of the last run again"
    )
    args = parser.parse_args()
    wanted = [m for m in args.modules.split(",") if m]
    modules = [m for m in MODULES if not wanted or Path(m).stem in wanted]
    if not modules:
        names = ", ".join(Path(m).stem for m in MODULES)
        sys.exit(f"MODULES={args.modules!r} names none of the modules: use some of {names}")
    console = Console(width=max(120, Console().width))
    if args.report_only:
        return report(modules, console)
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
    return report(modules, console)


def report(modules: list[str], console: Console) -> int:
    scores, survivors = results(modules, explained_names())
    describe_changes(survivors)
    console.print(survivor_table(survivors))
    console.print(score_table(scores))
    low = [s.module for s in scores if s.percent < THRESHOLD]
    unexplained = [s for s in survivors if not s.explained]
    not_run = sum(s.not_run for s in scores)
    if low or unexplained or not_run:
        console.print(
            f"[red]{len(low)} module(s) below {THRESHOLD:.0f} %, {len(unexplained)} survivor(s) "
            f"not explained, {not_run} mutant(s) not run[/red]: write the test that kills each "
            f"survivor, or explain it in {TRIAGE.relative_to(ROOT)}; a mutant not run means the "
            f"run stopped early: run it again"
        )
        return 1
    console.print(f"every module at {THRESHOLD:.0f} % or more; every survivor explained")
    return 0


def survivor_table(survivors: list[Survivor]) -> Table:
    table = Table(
        title=f"Surviving mutants ({len(survivors)}): `mutmut show NAME` in {STAGE} for the diff",
    )
    table.add_column("module", no_wrap=True)
    table.add_column("mutant", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column(escape("change: [before -> after]"), overflow="fold", ratio=1)
    table.add_column("triage", no_wrap=True)
    for s in survivors:
        triage = "equivalent" if s.explained else "[red]NOT EXPLAINED[/red]"
        table.add_row(Path(s.module).stem, s.short_name, s.status, escape(s.change), triage)
    return table


def score_table(scores: list[Score]) -> Table:
    table = Table(title=f"Mutation score per module (killed / mutants; {THRESHOLD:.0f} % needed)")
    columns = ("module", "mutants", "killed", "timeout", "survived", "no test", "not run",
               "explained")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column == "module" else "right", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True, min_width=len("100.0 %"))
    for s in scores:
        colour = "green" if s.percent >= THRESHOLD else "red"
        counts = (s.total, s.killed, s.timeouts, s.survived, s.no_tests, s.not_run, s.explained)
        table.add_row(s.module.split("/", 1)[1], *map(str, counts),
                      f"[{colour}]{s.percent:.1f} %[/{colour}]")  # fmt: skip
    return table


if __name__ == "__main__":
    sys.exit(main())
