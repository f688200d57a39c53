"""The set-up says what it is doing while it installs: each step with what it installs, how
big and how long it usually takes, pip's lines passed through, and a line whenever a step has
been silent for a while (pip says nothing while it unpacks)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import repo_scripts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tasks(monkeypatch, tmp_path):
    return repo_scripts.load("tasks.py", "tasks_progress")


def test_a_silent_step_says_it_is_still_at_work(tasks, capsys, monkeypatch):
    monkeypatch.setattr(tasks, "QUIET_S", 0.5)
    code = ("import sys, time\nprint('Collecting numpy==2.0', flush=True)\n"
            "time.sleep(2.6)\nprint('Successfully installed numpy', flush=True)\n")
    tasks.run_step("installing the locked packages", sys.executable, "-c", code,
                   usual="2-4 minutes")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "    Collecting numpy==2.0"
    still = [line for line in out if "still installing the locked packages" in line]
    # one line per half second of silence: at least three in 2.6 s, never one per second
    assert 3 <= len(still) <= 6, out
    assert all(re.search(r"\d+ s so far \(usually 2-4 minutes\)$", line) for line in still)
    # the silence lies between the two lines (the child's exit may add one more)
    assert out.index(still[0]) < out.index("    Successfully installed numpy")
    assert re.fullmatch(r"\[tasks\]   done in \d+ s", out[-1])


def test_a_failing_step_fails_the_set_up(tasks, capsys):
    with pytest.raises(subprocess.CalledProcessError):
        tasks.run_step("failing", sys.executable, "-c", "print('no such package'); exit(3)",
                       usual="a moment")
    assert "    no such package" in capsys.readouterr().out


def test_ensure_env_announces_every_step_with_size_and_time(tasks, capsys, monkeypatch,
                                                            tmp_path):
    """A first set-up (no .venv) with every command replaced by a recorder."""
    venv = tmp_path / ".venv"
    monkeypatch.setattr(tasks, "VENV", venv)
    monkeypatch.setattr(tasks, "PYTHON", venv / "bin" / "python")
    monkeypatch.setattr(tasks, "STAMP", venv / "stamp")
    monkeypatch.setattr(tasks, "ensure_corpus", lambda *a, **k: None)
    monkeypatch.setattr(sys, "platform", "linux")
    commands = []

    def record(*args, **kwargs):
        commands.append([str(a) for a in args])
        if args and str(args[-1]) == str(venv):
            (venv / "bin").mkdir(parents=True)
    monkeypatch.setattr(tasks, "run", record)
    monkeypatch.setattr(tasks, "run_step", lambda step, *args, **kw: record(*args))
    monkeypatch.setattr(tasks.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 1))  # no local wheel
    tasks.ensure_env()
    out = capsys.readouterr().out
    steps = re.findall(r"step (\d) of 5: (.*)", out)
    assert [n for n, _ in steps] == ["1", "2", "3", "4", "5"], out
    for number, text in steps:
        assert re.search(r"seconds|minute", text), text      # how long
        if number in "235":
            assert "MB" in text, text                          # how big
    assert re.search(r"about \d+ MB to download and [\d.]+ GB on disk", out)
    assert "environment ready" in out
    # torch's CPU build from PyTorch's index (the lock's torch line, with its hashes), then
    # the lock, hash-checked, the package, the models
    flat = [" ".join(c) for c in commands]
    assert any(c.endswith("torch.txt --progress-bar off --extra-index-url "
                          f"{tasks.TORCH_CPU_INDEX}") and "--require-hashes" in c for c in flat)
    assert any(str(tasks.LOCK) in c and "--require-hashes" in c for c in flat)
    assert any("-e ." in c for c in flat)
    assert any(str(tasks.MODELS_LOCK) in c for c in flat)
