"""Every recipe of docs/INSTRUCTORS.md's instructor-mode, export and collect sections works
as written: the Python blocks and inline ``cl.exercises`` calls run, the shell commands do
what the guide says they do."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import contexture_lab as cl
from contexture_lab import exercises as ex

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "INSTRUCTORS.md").read_text()
FIRST = ROOT / "notebooks" / "00_start_here.ipynb"


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k != ex.ENV_VAR}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return {**env, **extra}


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", GUIDE, flags=re.S)


def inline_calls() -> list[str]:
    """Inline code spans that call ``cl.exercises`` with literal arguments (a span that
    names a placeholder such as ``NN.name`` is a pattern, not a recipe)."""
    spans = re.findall(r"`(cl\.exercises\.\w+\([^`]*\))`", GUIDE)
    return sorted({s for s in spans if "NN" not in s})


def test_the_guide_has_the_recipes_tested_here():
    assert python_blocks(), "the guide lost its Python recipes"
    calls = inline_calls()
    assert any(c.startswith("cl.exercises.reset(") for c in calls), calls
    assert any(c.startswith("cl.exercises.check(") for c in calls), calls
    assert "inspect.getsource" not in GUIDE   # fails for value exercises: solution_source


@pytest.mark.parametrize("block", python_blocks())
def test_each_python_recipe_runs_in_a_fresh_interpreter(block):
    """Run as written, in a new interpreter (so lazy loading of the banks is exercised)."""
    done = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True,
                          env=_env(), cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    # every name, solution, hint and starter the block asks for is printed
    for name in set(re.findall(r'"(\d\d\.\w+)"', block)):
        if f'solution_source("{name}")' in block:
            assert ex.solution_source(name) in done.stdout
        if f'starter("{name}")' in block:
            assert ex.get(name).starter in done.stdout
        if f'get("{name}").hints' in block:
            assert repr(ex.get(name).hints) in done.stdout
    for prefix in re.findall(r'names\("(\d\d)\.?"\)', block):
        assert str(cl.exercises.names(prefix)) in done.stdout and cl.exercises.names(prefix)


@pytest.mark.parametrize("call", inline_calls())
def test_each_inline_exercises_call_runs(call, monkeypatch, capsys):
    """``check(name, answer)`` with the placeholder as the answer; the others with their
    literal arguments. ``reset`` outside IPython prints the starting code."""
    import IPython

    monkeypatch.delenv(ex.ENV_VAR, raising=False)
    # outside IPython even if an earlier test in this process started a shell instance
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    tree = ast.parse(call, mode="eval").body
    func = getattr(cl.exercises, tree.func.attr)
    args = [ex.TODO if isinstance(a, ast.Name) else ast.literal_eval(a) for a in tree.args]
    result = func(*args)
    if tree.func.attr == "check":
        assert not result.passed and "not solved yet" in result.message
    if tree.func.attr == "reset":
        assert ex.get(args[0]).starter in capsys.readouterr().out


@pytest.mark.parametrize("name", cl.exercises.names())
def test_solution_source_works_for_every_exercise(name):
    """Function exercises give their source, value exercises ``name = value``; either way
    the text is the reference solution."""
    text = cl.exercises.solution_source(name)
    solution = ex.solution(name)
    if callable(solution):
        # the text, run in its bank's namespace, defines a function that passes the check
        namespace = dict(vars(sys.modules[solution.__module__]))
        exec(compile(text, "<solution>", "exec"), namespace)
        defined = re.match(r"def (\w+)\(", text).group(1)
        assert cl.exercises.check(name, namespace[defined]).passed
    else:
        assert text.startswith(f"{name} = ") and repr(solution) in text


def _nbconvert(path: Path, **env) -> str:
    """The guide's collect recipe: ``jupyter nbconvert --to notebook --execute`` (the
    executed copy is written beside it); returns the text of every output."""
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                    "--execute", path.name], cwd=path.parent, env=_env(**env), check=True,
                   capture_output=True, timeout=300)
    nb = nbformat.read(path.with_name(path.stem + ".nbconvert.ipynb"), 4)
    return "\n".join("".join(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_instructor_mode_and_collecting_results_with_nbconvert(tmp_path):
    """``CONTEXTURE_LAB_INSTRUCTOR=1`` fills in every placeholder; without it a student's
    unsolved notebook shows ``[not yet]``, as the collect recipe says to look for."""
    assert "CONTEXTURE_LAB_INSTRUCTOR=1 python3 tasks.py lab" in GUIDE
    assert "jupyter nbconvert --to notebook --execute their.ipynb" in GUIDE
    their = tmp_path / "their.ipynb"
    shutil.copy(FIRST, their)
    names = cl.exercises.names("00")
    student = _nbconvert(their)
    for name in names:
        assert f"[not yet] {name}: not solved yet" in student
    instructor = _nbconvert(their, CONTEXTURE_LAB_INSTRUCTOR="1")
    for name in names:
        assert f"[passed] {name} (instructor mode: reference solution)" in instructor
    assert "[not yet]" not in instructor


def test_the_documented_export_command(tmp_path):
    """``.venv/bin/python tools/export_student.py student_notebooks/`` as the guide says."""
    assert ".venv/bin/python tools/export_student.py student_notebooks/" in GUIDE
    out = tmp_path / "student_notebooks"
    subprocess.run([sys.executable, "tools/export_student.py", str(out)], cwd=ROOT,
                   env=_env(), check=True, capture_output=True, timeout=120)
    exported = sorted(p.name for p in out.glob("*.ipynb"))
    assert exported == sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
