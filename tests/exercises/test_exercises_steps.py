"""What a student meets around the checks: hints in steps that never give the code away,
the line of their own code that raised, and an exercise's starting code to print or reset."""

import json
import linecache
import re
from pathlib import Path

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import exercises as ex

ROOT = Path(__file__).resolve().parents[2]
NAMES = cl.exercises.names()


@pytest.fixture(autouse=True)
def student_mode(monkeypatch):
    """Student mode, and every exercise's hints back at the first step."""
    monkeypatch.delenv(ex.ENV_VAR, raising=False)
    saved = dict(ex._FAILED)
    ex._FAILED.clear()
    yield
    ex._FAILED.clear()
    ex._FAILED.update(saved)


def _wrong(name):
    """A wrong answer of the right kind: the reference result plus one (for the worst task,
    where a constant does not matter, mu_1 alone)."""
    if name == "03.worst_task":
        return lambda res, d, eps: res.left[:, 0]
    solution = ex.solution(name)
    if not callable(solution):
        return np.asarray(solution, dtype=float) + 1

    def answer(*args):
        out = solution(*args)
        if isinstance(out, tuple):
            return (np.asarray(out[0], dtype=float) + 1,) + out[1:]
        return np.asarray(out, dtype=float) + 1
    return answer


# ------------------------------------------------------------------ hints in steps
@pytest.mark.parametrize("name", NAMES)
def test_hints_come_in_steps(name):
    nudge, hint = ex.get(name).hints
    todo = cl.exercises.check(name, ex.TODO)
    assert todo.hints == () and nudge not in repr(todo) and hint not in repr(todo)
    assert ex.MORE_AFTER_TODO in repr(todo)
    first = cl.exercises.check(name, _wrong(name))
    assert not first.passed and first.hints == (nudge,)
    assert f"hint 1: {nudge}" in repr(first) and hint not in repr(first)
    assert ex.MORE_AFTER_NUDGE in repr(first)
    # the placeholder again (a re-run of the cell) is no attempt: no step further
    assert cl.exercises.check(name, ex.TODO).hints == ()
    second = cl.exercises.check(name, _wrong(name))
    assert second.hints == (nudge, hint)
    assert f"hint 1: {nudge}\n  hint 2: {hint}" in repr(second)
    assert ex.MORE_AFTER_NUDGE not in repr(second)
    assert cl.exercises.check(name, _wrong(name)).hints == (nudge, hint)
    # other exercises are still at their first step
    other = next(n for n in NAMES if n != name)
    assert cl.exercises.check(other, _wrong(other)).hints == ex.get(other).hints[:1]


def test_a_right_answer_shows_no_hint():
    cl.exercises.check("00.marginal", np.zeros(3))
    fb = cl.exercises.check("00.marginal", ex.solution("00.marginal"))
    assert fb.passed and fb.hints == () and "hint" not in repr(fb)


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _code_fragments(source: str, width: int = 12):
    """Every run of ``width`` characters (spaces removed) of a solution's code lines that
    holds an operator, a call or an index (not a bare name such as ``np.linalg.norm``):
    what a hint must not spell out."""
    code = [line.split("#")[0] for line in source.splitlines()[1:]
            if line.strip() and not line.strip().startswith(("#", '"""'))]
    text = "".join(_squeeze(line) for line in code)
    return {text[i:i + width] for i in range(len(text) - width + 1)
            if re.search(r"[(\[*/@]", text[i:i + width])}


@pytest.mark.parametrize("name", NAMES)
def test_no_hint_gives_the_code_away(name):
    """Neither hint spells out a piece of the reference solution's code (beyond what the
    task itself states), or the answer of a value exercise."""
    nudge, hint = ex.get(name).hints
    assert nudge and hint and nudge != hint and not hint.startswith(nudge)
    said, task = _squeeze(nudge + hint), _squeeze(ex.get(name).prompt)
    solution = ex.solution(name)
    if callable(solution):
        leaked = sorted(f for f in _code_fragments(ex.solution_source(name))
                        if f in said and f not in task)
        assert not leaked, leaked
    else:
        for value in np.ravel(solution):
            assert f"{value:g}" not in nudge + hint, value
    for banned in ("keepdims=True", "axis=1)", "np.cumsum(", "[:, :, None]", "compute_uv",
                   "np.linalg.qr(", ".T @"):
        assert banned not in nudge + hint


def test_the_fragments_catch_a_leak():
    """The leak test above fails for the kind of hint the lab used to print."""
    fragments = _code_fragments(ex.solution_source("00.conditional"))
    assert any(f in _squeeze("divide P by P.sum(axis=1, keepdims=True)") for f in fragments)


# ------------------------------------------------------------------ where an answer raised
def _broken_here(P):
    rows = P.sum(axis=1)
    return P / rows[5]          # IndexError: this line is the one to report


def test_a_raising_answer_names_the_line_that_raised():
    fb = cl.exercises.check("00.conditional", _broken_here)
    assert not fb.passed and "raised IndexError" in fb.message
    line = _broken_here.__code__.co_firstlineno + 2
    assert (f"at line {line} of test_exercises_steps.py: return P / rows[5]          "
            "# IndexError: this line is the one to report)") in fb.message
    assert fb.hints == ex.get("00.conditional").hints[:1]    # a failed attempt


def test_an_error_inside_numpy_names_the_students_line():
    def reshapes(P):
        return np.reshape(P, (7, 7))
    fb = cl.exercises.check("00.conditional", reshapes)
    line = reshapes.__code__.co_firstlineno + 1
    assert "raised ValueError" in fb.message
    assert f"at line {line} of test_exercises_steps.py: return np.reshape(P, (7, 7)))" \
        in fb.message


def test_a_raising_cell_is_named_as_the_cell():
    """A function defined in a Jupyter cell (ipykernel's file name for a cell's code, whose
    lines it registers in linecache) is reported by its line in the cell."""
    filename = "/tmp/ipykernel_4242/1234567.py"
    source = "import numpy as np\n\ndef conditional(P):\n    return P / P.sum(axis=2)\n"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        namespace = {}
        exec(compile(source, filename, "exec"), namespace)
        fb = cl.exercises.check("00.conditional", namespace["conditional"])
    finally:
        linecache.cache.pop(filename, None)
    assert "raised AxisError" in fb.message or "raised ValueError" in fb.message
    assert fb.message.endswith("(at line 4 of your cell: return P / P.sum(axis=2))")


def test_a_raising_ipython_cell_is_named_as_the_cell():
    """The same through IPython itself: a cell run by an in-process shell."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("import contexture_lab as cl\n"
                   "def conditional(P):\n"
                   "    scale = 1\n"
                   "    return P / undefined_name\n"
                   "fb = cl.exercises.check('00.conditional', conditional)\n")
    fb = shell.user_ns["fb"]
    assert "raised NameError" in fb.message
    assert fb.message.endswith("(at line 4 of your cell: return P / undefined_name)")


# ------------------------------------------------------------------ starting code
def _exercise_cells():
    cells = {}
    for nb in sorted(ROOT.glob("notebooks/[0-9][0-9]_*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            source = "".join(cell["source"])
            found = re.search(r'cl\.exercises\.check\("([^"]+)"', source)
            if cell["cell_type"] == "code" and found:
                cells[found.group(1)] = source
    return cells


def test_every_starter_is_its_notebook_cell_as_shipped():
    cells = _exercise_cells()
    assert set(cells) <= set(NAMES)
    for name, source in cells.items():
        assert ex.get(name).starter == source + "\n", name


def test_starter_prints_the_starting_code(capsys):
    cl.exercises.starter("01.cycle_spectrum")
    out = capsys.readouterr().out
    assert out == ex.get("01.cycle_spectrum").starter
    assert out.startswith("def cycle_singular_values(n, p):")
    assert 'cl.exercises.check("01.cycle_spectrum", cycle_singular_values)' in out


class _Shell:
    def __init__(self):
        self.inputs = []

    def set_next_input(self, text, replace=False):
        self.inputs.append((text, replace))


def test_reset_puts_the_starting_code_into_a_new_cell_and_restarts_the_hints(
        monkeypatch, capsys):
    import IPython

    shell = _Shell()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    name = "01.cycle_spectrum"
    cl.exercises.check(name, _wrong(name))
    assert len(cl.exercises.check(name, _wrong(name)).hints) == 2
    cl.exercises.reset(name)
    assert shell.inputs == [(ex.get(name).starter.rstrip("\n"), False)]
    assert "in a new cell below" in capsys.readouterr().out
    assert cl.exercises.check(name, _wrong(name)).hints == ex.get(name).hints[:1]


def test_reset_in_a_real_ipython_shell_fills_the_next_input():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell("import contexture_lab as cl\ncl.exercises.reset('05.tau_curve')")
    assert shell.rl_next_input == ex.get("05.tau_curve").starter.rstrip("\n")


def test_reset_without_ipython_prints_the_code(monkeypatch, capsys):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    cl.exercises.reset("00.marginal")
    out = capsys.readouterr().out
    assert "copy it into a cell" in out and ex.get("00.marginal").starter in out


def test_unknown_names_are_refused():
    for func in (cl.exercises.starter, cl.exercises.reset, cl.exercises.solution_source):
        with pytest.raises(ValueError, match="unknown exercise"):
            func("05.nothing")
