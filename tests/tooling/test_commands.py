"""The command lines: tasks.py keeps the students' commands (lab, reset, test) with argparse
help, tools/maintain.py holds the maintainers', and an old ``tasks.py NAME`` of a moved
command still runs it, naming the new command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAINTAINER_COMMANDS = ["execute", "lock", "bench", "models", "book", "test-binder",
                       "test-class"]


def run(*args):
    return subprocess.run([sys.executable, *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_tasks_offers_the_students_commands_with_help():
    shown = run(ROOT / "tasks.py", "--help")
    assert shown.returncode == 0
    listed = shown.stdout.split("positional arguments:")[1].split("options:")[0]
    assert [line.split()[0] for line in listed.splitlines()[2:] if line.startswith("    ")
            and not line.startswith("     ")] == ["lab", "reset", "test"]
    assert "tools/maintain.py" in shown.stdout
    for command in ("lab", "reset", "test"):
        own = run(ROOT / "tasks.py", command, "--help")
        assert own.returncode == 0 and f"python3 tasks.py {command}" in own.stdout


def test_tasks_refuses_an_unknown_command_with_its_usage():
    wrong = run(ROOT / "tasks.py", "tset")
    assert wrong.returncode == 2 and "invalid choice: 'tset'" in wrong.stderr


def test_maintain_offers_every_maintainer_command_with_help():
    shown = run(ROOT / "tools" / "maintain.py", "--help")
    assert shown.returncode == 0
    for command in MAINTAINER_COMMANDS:
        assert f"    {command}" in shown.stdout
        own = run(ROOT / "tools" / "maintain.py", command, "--help")
        assert own.returncode == 0 and f"maintain.py {command}" in own.stdout


@pytest.mark.parametrize("command", MAINTAINER_COMMANDS)
def test_an_old_invocation_runs_the_new_command_and_names_it(command):
    old = run(ROOT / "tasks.py", command, "--help")
    assert old.returncode == 0
    assert f"python3 tools/maintain.py {command}" in old.stdout
    assert f"usage: python3 tools/maintain.py {command}" in old.stdout


def test_a_command_without_arguments_refuses_some():
    refused = run(ROOT / "tools" / "maintain.py", "models", "extra")
    assert refused.returncode == 2 and "unrecognized arguments: extra" in refused.stderr
