"""In-notebook exercises: a runnable placeholder, a checker with helpful feedback, and an
instructor switch that fills in solutions.

In a notebook::

    def cycle_singular_values(n, p):
        return cl.exercises.TODO          # replace with your code
    cl.exercises.check("01.cycle_spectrum", cycle_singular_values)

``check`` never raises on a wrong answer (so a notebook runs to the end); it returns a
:class:`Feedback` that says what was expected and gives a hint. With the environment
variable ``CONTEXTURE_LAB_INSTRUCTOR=1`` an unsolved placeholder is replaced by the
reference solution, so instructors see the solved notebook.

Exercises are registered per notebook in ``contexture_lab/exercises/nbNN.py`` and loaded
when a name with prefix ``NN.`` is first used.
"""

from __future__ import annotations

import importlib
import os
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
    name: str
    prompt: str
    checker: Callable[[Any], tuple[bool, str]]
    hint: str
    solution: Any


@dataclass(frozen=True)
class Feedback:
    """Outcome of a check: ``passed`` and a message that says why."""

    name: str
    passed: bool
    message: str
    hint: str = ""
    used_solution: bool = False

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        if self.passed:
            via = " (instructor mode: reference solution)" if self.used_solution else ""
            return f"[passed] {self.name}{via}: {self.message}"
        lines = [f"[not yet] {self.name}: {self.message}"]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    _repr_pretty_ = lambda self, p, cycle: p.text(repr(self))  # noqa: E731


_REGISTRY: dict[str, Exercise] = {}


def register(name: str, *, prompt: str, checker, hint: str, solution) -> None:
    """Add an exercise; ``checker(answer) -> (passed, message)`` must not raise."""
    _REGISTRY[name] = Exercise(name, prompt, checker, hint, solution)


def instructor_mode() -> bool:
    """True when ``CONTEXTURE_LAB_INSTRUCTOR`` is set to 1/true/yes."""
    return os.environ.get(ENV_VAR, "").strip().lower() in {"1", "true", "yes"}


def get(name: str) -> Exercise:
    """The registered exercise ``name`` (``"NN.slug"``), loading its notebook's bank."""
    if name not in _REGISTRY:
        prefix = name.split(".", 1)[0]
        try:
            importlib.import_module(f"{__name__}.nb{prefix}")
        except ModuleNotFoundError:
            pass
    if name not in _REGISTRY:
        raise ValueError(f"unknown exercise {name!r}; known: {sorted(_REGISTRY)}")
    return _REGISTRY[name]


def names(prefix: str = "") -> list[str]:
    """Names of the exercises of the notebook with that prefix (all loaded banks if '')."""
    if prefix:
        try:
            importlib.import_module(f"{__name__}.nb{prefix}")
        except ModuleNotFoundError:
            pass
    return sorted(n for n in _REGISTRY if n.startswith(prefix))


def is_todo(answer) -> bool:
    """True for the placeholder, a container holding it, or a function returning it."""
    if answer is TODO or (isinstance(answer, (list, tuple)) and any(a is TODO for a in answer)):
        return True
    return False


def solution(name: str):
    """The reference solution of exercise ``name`` (for instructors and tests)."""
    return get(name).solution


def check(name: str, answer) -> Feedback:
    """Check ``answer`` for exercise ``name``; returns :class:`Feedback`, never raises.

    In instructor mode an unsolved answer (the placeholder, or a function returning it) is
    replaced by the reference solution.
    """
    ex = get(name)
    feedback, unsolved = _run(ex, answer)
    if unsolved and instructor_mode():
        feedback, _ = _run(ex, ex.solution, used_solution=True)
    return feedback


class _Unsolved(Exception):
    """Raised inside a checker when a student's function returns TODO."""


def _run(ex: Exercise, answer, used_solution: bool = False) -> tuple[Feedback, bool]:
    unsolved_msg = ("not solved yet: replace cl.exercises.TODO with your answer. "
                    f"Task: {ex.prompt}")
    if is_todo(answer):
        return Feedback(ex.name, False, unsolved_msg, ex.hint), True
    try:
        passed, message = ex.checker(answer)
    except _Unsolved:
        return Feedback(ex.name, False, unsolved_msg, ex.hint), True
    except Exception as exc:  # a student's code may fail in any way: report, don't raise
        return Feedback(ex.name, False, f"your answer raised {type(exc).__name__}: {exc}",
                        ex.hint), False
    hint = "" if passed else ex.hint
    return Feedback(ex.name, bool(passed), message, hint, used_solution), False


def call(func, *args):
    """Call a student's function inside a checker; a TODO result means 'unsolved'."""
    out = func(*args)
    if is_todo(out):
        raise _Unsolved
    return out


def compare_arrays(got, expected, *, atol: float = 1e-6, what: str = "answer"):
    """Checker helper: (passed, message) comparing arrays of the same shape.

    A complex or non-numeric answer never passes (numpy would drop an imaginary part or
    parse text silently); it fails with a message saying what was found.
    """
    raw = np.asarray(got)
    if np.iscomplexobj(raw):
        return False, (f"{what} has complex values (dtype {raw.dtype}); expected real "
                       "numbers (a complex answer is never accepted)")
    if raw.dtype.kind not in "biuf":
        try:
            raw = raw.astype(float) if raw.dtype.kind == "O" else None
        except (TypeError, ValueError):
            raw = None
        if raw is None:
            return False, (f"{what} is not numeric (got {type(got).__name__} of dtype "
                           f"{np.asarray(got).dtype}); expected real numbers")
    got = np.asarray(raw, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return False, f"{what} has shape {got.shape}; expected shape {expected.shape}"
    err = float(np.max(np.abs(got - expected))) if got.size else 0.0
    if err <= atol:
        return True, f"{what} matches (max abs error {err:.1e})"
    return False, (f"{what} is off by up to {err:.3g} (tolerance {atol:g}); expected e.g. "
                   f"{np.array2string(expected.ravel()[:4], precision=4)}")
