"""The exercise registry: the placeholder ``TODO``, :class:`Exercise`, registration, the
instructor switch, and look-up of exercises and their reference solutions.

Every notebook's bank (``contexture_lab/exercises/nbNN.py``) registers its exercises with
:func:`register`; a bank is imported when a name with its prefix ``NN.`` is first used.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
    """One registered exercise (made by :func:`register`).

    Parameters
    ----------
    name : str
        ``"NN.slug"``: the notebook's number and a short name.
    prompt : str
        The task.
    checker : callable
        ``checker(answer) -> (passed, message)``.
    nudge : str
        Shown after a first failed attempt.
    hint : str
        Shown (fuller) after a second.
    solution : object
        The reference solution: a function, or a value.
    starter : str
        The code of the exercise's notebook cell as shipped.
    """

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


_REGISTRY: dict[str, Exercise] = {}


def register(name: str, *, prompt: str, checker, nudge: str, hint: str, solution,
             starter: str) -> None:
    """Add an exercise; ``checker(answer) -> (passed, message)`` must not raise.

    ``nudge`` is shown after a first failed attempt, ``hint`` (fuller) after a second; neither
    may give the code away. ``starter`` is the exercise's notebook cell as shipped.

    Parameters
    ----------
    name : str
        ``"NN.slug"``.
    prompt : str
        The task.
    checker : callable
        ``checker(answer) -> (passed, message)``; must not raise.
    nudge : str
        The first hint.
    hint : str
        The second, fuller hint.
    solution : object
        The reference solution.
    starter : str
        The notebook cell's code (dedented here).
    """
    _REGISTRY[name] = Exercise(name, prompt, checker, nudge, hint, solution,
                               textwrap.dedent(starter).strip("\n") + "\n")


def instructor_mode() -> bool:
    """True when ``CONTEXTURE_LAB_INSTRUCTOR`` is set to 1/true/yes.

    Returns
    -------
    bool
    """
    return os.environ.get(ENV_VAR, "").strip().lower() in {"1", "true", "yes"}


def _load(prefix: str = "") -> None:
    """Import the bank of notebook ``prefix`` (``"03"``), or every bank when ``prefix`` is ''."""
    package = importlib.import_module(__package__)
    banks = [m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("nb")]
    for bank in banks:
        if not prefix or bank == f"nb{prefix}":
            importlib.import_module(f"{__package__}.{bank}")


def get(name: str) -> Exercise:
    """The registered exercise ``name`` (``"NN.slug"``), loading its notebook's bank.

    Raises ``ValueError`` for an unknown name; the message lists every exercise.

    Parameters
    ----------
    name : str
        The exercise, ``"NN.slug"``.

    Returns
    -------
    Exercise
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
    """Names of the exercises of a notebook.

    Parameters
    ----------
    prefix : str, default=""
        The notebook, ``"05"`` or ``"05."``; every notebook's exercises if empty.

    Returns
    -------
    list of str
        Sorted.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.exercises.names("03.")[:1]
    ['03.compatibility']
    """
    _load(prefix.split(".", 1)[0])
    return sorted(n for n in _REGISTRY if n.startswith(prefix))


def is_todo(answer) -> bool:
    """True for the placeholder, a container holding it, or a function returning it.

    Parameters
    ----------
    answer : object
        A student's answer.

    Returns
    -------
    bool
    """
    if answer is TODO or (isinstance(answer, (list, tuple)) and any(a is TODO for a in answer)):
        return True
    return False


def solution(name: str):
    """The reference solution of exercise ``name`` (for instructors and tests).

    Parameters
    ----------
    name : str
        The exercise, ``"NN.slug"``.

    Returns
    -------
    object
        A function, or a value for the exercises that ask for one;
        :func:`solution_source` shows either.
    """
    return get(name).solution


def solution_source(name: str) -> str:
    """The reference solution of exercise ``name`` as text (for instructors).

    Parameters
    ----------
    name : str
        The exercise, ``"NN.slug"``.

    Returns
    -------
    str
        A function's source code, or ``name = value`` for an exercise that asks for a value.
    """
    sol = get(name).solution
    if not callable(sol):
        return f"{name} = {sol!r}"
    return textwrap.dedent(inspect.getsource(sol))


def starter(name: str) -> None:
    """Print the starting code of exercise ``name``: its notebook cell as shipped.

    Parameters
    ----------
    name : str
        The exercise, ``"NN.slug"``.
    """
    print(get(name).starter, end="")


__all__ = ["ENV_VAR", "Exercise", "TODO", "get", "instructor_mode", "is_todo", "names",
           "register", "solution", "solution_source", "starter"]
