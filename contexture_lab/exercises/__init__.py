"""In-notebook exercises: a runnable placeholder, a checker with helpful feedback, and an
instructor switch that fills in solutions.

In a notebook::

    def cycle_singular_values(n, p):
        return cl.exercises.TODO          # replace with your code
    cl.exercises.check("01.cycle_spectrum", cycle_singular_values)

``check`` never raises on a wrong answer (so a notebook runs to the end); it returns a
:class:`Feedback` that says what was expected. Hints come in steps: the placeholder gets the
task only; the first failed attempt at an exercise adds a nudge, the second and later ones a
fuller hint as well; no hint is the solution. An answer that raises is reported with the line
of the student's code that raised. With the environment variable
``CONTEXTURE_LAB_INSTRUCTOR=1`` an unsolved placeholder is replaced by the reference
solution, so instructors see the solved notebook.

``starter(name)`` prints an exercise's starting code (its notebook cell as shipped) and
``reset(name)`` puts it into a new cell below (in IPython/Jupyter) and starts its hints over;
``solution_source(name)`` is the reference solution as text (for instructors).

Exercises are registered per notebook in ``contexture_lab/exercises/nbNN.py`` and loaded
when a name with prefix ``NN.`` is first used.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import linecache
import os
import pkgutil
import re
import sysconfig
import textwrap
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

ENV_VAR = "CONTEXTURE_LAB_INSTRUCTOR"


class _Todo:
    """The placeholder a student replaces; any check of it fails with the hint."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "TODO"


TODO = _Todo()


@dataclass(frozen=True)
class Exercise:
    """One registered exercise: the task (``prompt``), its ``checker``, two hints in steps
    (``nudge`` after a first failed attempt, ``hint`` after a second), the reference
    ``solution`` and the ``starter`` code of its notebook cell."""

    name: str
    prompt: str
    checker: Callable[[Any], tuple[bool, str]]
    nudge: str
    hint: str
    solution: Any
    starter: str

    @property
    def hints(self) -> tuple[str, str]:
        return (self.nudge, self.hint)


#: Printed under a placeholder's feedback and under the first failed attempt's.
MORE_AFTER_TODO = "(a first hint comes after your first attempt)"
MORE_AFTER_NUDGE = "(a fuller hint comes if the next attempt fails too)"


@dataclass(frozen=True)
class Feedback:
    """Outcome of a check: ``passed``, a message that says why, and the hints shown so far
    (none for the placeholder, the nudge after a first failed attempt, then both)."""

    name: str
    passed: bool
    message: str
    hints: tuple[str, ...] = ()
    used_solution: bool = False

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        if self.passed:
            via = " (instructor mode: reference solution)" if self.used_solution else ""
            return f"[passed] {self.name}{via}: {self.message}"
        lines = [f"[not yet] {self.name}: {self.message}"]
        lines += [f"  hint {i}: {text}" for i, text in enumerate(self.hints, start=1)]
        if not self.hints:
            lines.append(f"  {MORE_AFTER_TODO}")
        elif len(self.hints) == 1:
            lines.append(f"  {MORE_AFTER_NUDGE}")
        return "\n".join(lines)

    _repr_pretty_ = lambda self, p, cycle: p.text(repr(self))  # noqa: E731


_REGISTRY: dict[str, Exercise] = {}
#: Failed attempts per exercise in this session (placeholders do not count): the hint step.
_FAILED: dict[str, int] = {}


def register(name: str, *, prompt: str, checker, nudge: str, hint: str, solution,
             starter: str) -> None:
    """Add an exercise; ``checker(answer) -> (passed, message)`` must not raise.

    ``nudge`` is shown after a first failed attempt, ``hint`` (fuller) after a second; neither
    may give the code away. ``starter`` is the exercise's notebook cell as shipped.
    """
    _REGISTRY[name] = Exercise(name, prompt, checker, nudge, hint, solution,
                               textwrap.dedent(starter).strip("\n") + "\n")


def instructor_mode() -> bool:
    """True when ``CONTEXTURE_LAB_INSTRUCTOR`` is set to 1/true/yes."""
    return os.environ.get(ENV_VAR, "").strip().lower() in {"1", "true", "yes"}


def _load(prefix: str = "") -> None:
    """Import the bank of notebook ``prefix`` (``"03"``), or every bank when ``prefix`` is ''."""
    banks = [m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("nb")]
    for bank in banks:
        if not prefix or bank == f"nb{prefix}":
            importlib.import_module(f"{__name__}.{bank}")


def get(name: str) -> Exercise:
    """The registered exercise ``name`` (``"NN.slug"``), loading its notebook's bank.

    Raises ``ValueError`` for an unknown name; the message lists every exercise.
    """
    if not isinstance(name, str):
        raise TypeError(f"the exercise name must be a string such as '01.expectation', got "
                        f"{type(name).__name__}")
    if name not in _REGISTRY:
        _load(name.split(".", 1)[0])
    if name not in _REGISTRY:
        raise ValueError(f"unknown exercise {name!r}; known: {names()}")
    return _REGISTRY[name]


def names(prefix: str = "") -> list[str]:
    """Names of the exercises of the notebook with that prefix, ``"05"`` or ``"05."``
    (every notebook's if '')."""
    _load(prefix.split(".", 1)[0])
    return sorted(n for n in _REGISTRY if n.startswith(prefix))


def is_todo(answer) -> bool:
    """True for the placeholder, a container holding it, or a function returning it."""
    if answer is TODO or (isinstance(answer, (list, tuple)) and any(a is TODO for a in answer)):
        return True
    return False


def solution(name: str):
    """The reference solution of exercise ``name`` (for instructors and tests): a function,
    or a value for the exercises that ask for one; :func:`solution_source` shows either."""
    return get(name).solution


def solution_source(name: str) -> str:
    """The reference solution of exercise ``name`` as text: a function's source code, or
    ``name = value`` for an exercise that asks for a value (for instructors)."""
    sol = get(name).solution
    if not callable(sol):
        return f"{name} = {sol!r}"
    return textwrap.dedent(inspect.getsource(sol))


def starter(name: str) -> None:
    """Print the starting code of exercise ``name``: its notebook cell as shipped."""
    print(get(name).starter, end="")


def reset(name: str) -> None:
    """Start exercise ``name`` over: its hints go back to the first step, and its starting
    code goes into a new cell below the current one (Jupyter/IPython; elsewhere it is
    printed to copy)."""
    ex = get(name)
    _FAILED.pop(name, None)
    try:
        from IPython import get_ipython
    except ImportError:          # plain Python: nothing to put a cell into
        shell = None
    else:
        shell = get_ipython()
    if shell is None:
        print(f"the starting code of {name} (copy it into a cell):")
        starter(name)
        return
    shell.set_next_input(ex.starter.rstrip("\n"), replace=False)
    print(f"the starting code of {name} is in a new cell below; its hints start over")


def check(name: str, answer) -> Feedback:
    """Check ``answer`` for exercise ``name``; returns :class:`Feedback`.

    Never raises on an answer, whatever it is or does (a wrong value, a wrong type, an
    error inside a student's function, reported with the line that raised): the feedback
    says what went wrong. Only the name can make it raise: ``ValueError`` for an unknown
    one, with the list of every exercise (``TypeError`` if it is not a string). Hints come
    in steps: none for the placeholder, the exercise's nudge after its first failed
    attempt, the nudge and the fuller hint after the second and later ones. In instructor
    mode an unsolved answer (the placeholder, or a function returning it) is replaced by
    the reference solution.
    """
    ex = get(name)
    feedback, unsolved = _run(ex, answer)
    if unsolved and instructor_mode():
        feedback, _ = _run(ex, ex.solution, used_solution=True)
    elif not feedback.passed and not unsolved:
        _FAILED[name] = _FAILED.get(name, 0) + 1
        feedback = Feedback(ex.name, False, feedback.message, ex.hints[:_FAILED[name]])
    return feedback


class _Unsolved(Exception):
    """Raised inside a checker when a student's function returns TODO."""


class Rejected(Exception):
    """Raised inside a checker by the helpers below: the answer is rejected, and the
    exception's text (one plain sentence) is the feedback."""


def _run(ex: Exercise, answer, used_solution: bool = False) -> tuple[Feedback, bool]:
    """The feedback without hints, and whether the answer is still the placeholder."""
    unsolved_msg = ("not solved yet: replace cl.exercises.TODO with your answer. "
                    f"Task: {ex.prompt}")
    if is_todo(answer):
        return Feedback(ex.name, False, unsolved_msg), True
    try:
        passed, message = ex.checker(answer)
    except _Unsolved:
        return Feedback(ex.name, False, unsolved_msg), True
    except Rejected as exc:
        return Feedback(ex.name, False, str(exc)), False
    except Exception as exc:  # a student's code may fail in any way: report, don't raise
        return Feedback(ex.name, False, f"your answer raised {type(exc).__name__}: {exc}"
                        + _where(exc)), False
    return Feedback(ex.name, bool(passed), message, used_solution=used_solution), False


#: Folders whose frames are not the student's: this package, the standard library and the
#: installed packages (numpy, scipy, torch ...).
_NOT_STUDENT = tuple(os.path.realpath(p) + os.sep for p in {
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    *(sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib"))})
#: How IPython names a cell's code: ipykernel's /tmp/ipykernel_<pid>/<hash>.py, or the
#: terminal's <ipython-input-N-hash>.
_CELL_FILE = re.compile(r"(ipykernel_\d+[/\\]\d+\.py$)|(^<ipython-input-\d+-)")


def _where(exc: BaseException) -> str:
    """'at line N of your cell: <source>' for the innermost frame of the student's code in
    the exception's traceback ('' when none is found)."""
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    for filename, lineno in reversed(frames):
        if os.path.realpath(filename).startswith(_NOT_STUDENT) and not _CELL_FILE.search(
                filename):
            continue
        source = linecache.getline(filename, lineno).strip()
        place = "your cell" if _CELL_FILE.search(filename) else os.path.basename(filename)
        return f" (at line {lineno} of {place}" + (f": {source})" if source else ")")
    return ""


def _kind(value) -> str:
    """A short description of a value's type for feedback."""
    if callable(value) and not isinstance(value, type):
        return "a function"
    if isinstance(value, (str, bytes)):
        return f"the text {value!r} (a str)"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} (dtype {value.dtype})"
    return f"{value!r} (a {type(value).__name__})" if len(repr(value)) < 60 else \
        f"a {type(value).__name__}"


def call(func, *args):
    """Call a student's function inside a checker on copies of ``args``: the function may
    overwrite its inputs without changing the checker's data. A TODO result means
    'unsolved'; an answer that is not a function is rejected."""
    if not callable(func):
        raise Rejected(f"this exercise asks for a function (def ...) that the checker calls; "
                       f"you gave {_kind(func)}")
    out = func(*(copy.deepcopy(a) for a in args))
    if is_todo(out):
        raise _Unsolved
    return out


def _text_in(value) -> bool:
    if isinstance(value, (str, bytes)):
        return True
    if isinstance(value, (list, tuple)):
        return any(_text_in(v) for v in value)
    return False


def as_array(got, *, what: str = "answer", shape=None) -> np.ndarray:
    """A student's answer as a float array, or :class:`Rejected` with a plain sentence:
    no ``None``, text, booleans, complex numbers, nested lists of unequal lengths,
    NaN or infinity, and (if given) the expected ``shape``."""
    if got is None:
        raise Rejected(f"{what} is None: did the function forget to `return` its result?")
    if isinstance(got, (str, bytes)):
        raise Rejected(f"{what} is the text {got!r}, not a number: return the number itself "
                       "(15, not '15')")
    if _text_in(got) or isinstance(got, np.ndarray) and got.dtype.kind in "US":
        raise Rejected(f"{what} contains text, not only numbers: return the numbers themselves")
    if callable(got):
        raise Rejected(f"{what} is a function; return the numbers it computes")
    try:
        arr = np.asarray(got)
    except ValueError:
        arr = np.asarray(got, dtype=object)
    if arr.dtype.kind == "O":
        raise Rejected(f"{what} is not a regular array of numbers (nested lists of different "
                       f"lengths, or other objects: {_kind(got)})")
    if arr.dtype.kind == "b":
        raise Rejected(f"{what} holds True/False values, not numbers")
    if arr.dtype.kind == "c":
        imag = float(np.max(np.abs(arr.imag))) if arr.size else 0.0
        raise Rejected(f"{what} has complex entries (largest imaginary part {imag:.3g}); the "
                       "answer is real: if the imaginary parts are only rounding noise, "
                       "return .real")
    if arr.dtype.kind not in "iuf":
        raise Rejected(f"{what} is not numbers ({_kind(got)})")
    arr = arr.astype(float)
    if shape is not None and arr.shape != tuple(shape):
        raise Rejected(f"{what} has shape {arr.shape}; expected shape {tuple(shape)}")
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f" (first at index {first[0] if len(first) == 1 else first})" if first else ""
        raise Rejected(f"{what} contains {int(bad.sum())} NaN or infinite value(s){where}")
    return arr


def as_number(got, *, what: str = "answer") -> float:
    """A student's answer as one finite real number, or :class:`Rejected`."""
    if isinstance(got, (bool, np.bool_)):
        raise Rejected(f"{what} is {got}, a True/False value; expected a number")
    if got is None or callable(got) or _text_in(got):
        as_array(got, what=what)                 # rejects with the plain sentence
    else:
        try:
            ndim = np.ndim(got)
        except ValueError:                      # ragged nesting: as_array says so
            ndim = 0
        if ndim != 0:
            raise Rejected(f"expected one number for {what}, got an array of shape "
                           f"{np.shape(got)}")
    return float(as_array(got, what=what))


def as_whole_number(got, *, what: str = "answer") -> int:
    """A student's answer as an int: a whole number (3 or 3.0, not 2.9 or "3")."""
    value = as_number(got, what=what)
    if not value.is_integer():
        raise Rejected(f"{what} is {value!r}, not a whole number (do not round or truncate "
                       "with int(): compute the count exactly)")
    return int(value)


def _distinct(a: float, b: float) -> tuple[str, str]:
    """Two numbers printed with just enough digits to look different."""
    for digits in (4, 6, 8, 10, 12, 14, 17):
        sa, sb = f"{a:.{digits}g}", f"{b:.{digits}g}"
        if sa != sb:
            return sa, sb
    return repr(a), repr(b)


def compare_numbers(got, expected: float, *, atol: float = 1e-8, rtol: float = 0.0,
                    what: str = "answer"):
    """Checker helper: (passed, message) for one number; the message never shows two
    equal-looking numbers."""
    got = as_number(got, what=what)
    err = abs(got - expected)
    if err <= atol + rtol * abs(expected):
        return True, f"{what} matches (error {err:.1e})"
    g, e = _distinct(got, expected)
    return False, f"{what}: you gave {g}; expected {e} (difference {got - expected:.3g})"


def compare_arrays(got, expected, *, atol: float = 1e-6, what: str = "answer"):
    """Checker helper: (passed, message) comparing arrays of the same shape."""
    expected = np.asarray(expected, dtype=float)
    got = as_array(got, what=what, shape=expected.shape)
    err = float(np.max(np.abs(got - expected))) if got.size else 0.0
    if err <= atol:
        return True, f"{what} matches (max abs error {err:.1e})"
    i = np.unravel_index(int(np.argmax(np.abs(got - expected))), got.shape)
    g, e = _distinct(float(got[i]), float(expected[i]))
    where = f" at index {i[0] if len(i) == 1 else i}" if i else ""
    return False, (f"{what} is off by up to {err:.3g} (tolerance {atol:g}){where}: you gave "
                   f"{g}, expected {e}")
