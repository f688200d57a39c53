"""Checking an answer and the feedback a student sees: :func:`check`, :class:`Feedback`,
hints in steps, the line of a student's code that raised, and :func:`reset`.
"""

from __future__ import annotations

import linecache
import os
import re
import sysconfig
from dataclasses import dataclass

from .checking import Rejected, _Unsolved
from .registry import Exercise, get, instructor_mode, is_todo, starter

#: Printed under a placeholder's feedback and under the first failed attempt's.
MORE_AFTER_TODO = "(a first hint comes after your first attempt)"
MORE_AFTER_NUDGE = "(a fuller hint comes if the next attempt fails too)"


@dataclass(frozen=True)
class Feedback:
    """Outcome of a check (made by :func:`check`); true when it passed.

    Parameters
    ----------
    name : str
        The exercise.
    passed : bool
        Whether the answer is right.
    message : str
        Why.
    hints : tuple of str, default=()
        The hints shown so far (none for the placeholder, the nudge after a first failed
        attempt, then both).
    used_solution : bool, default=False
        Whether instructor mode checked the reference solution instead of the answer.
    """

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


#: Failed attempts per exercise in this session (placeholders do not count): the hint step.
_FAILED: dict[str, int] = {}


def reset(name: str) -> None:
    """Start exercise ``name`` over.

    Its hints go back to the first step, and its starting code goes into a new cell below
    the current one (Jupyter/IPython; elsewhere it is printed to copy).

    Parameters
    ----------
    name : str
        The exercise, ``"NN.slug"``.
    """
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

    Parameters
    ----------
    name : str
        The exercise, ``"NN.slug"``.
    answer : object
        The student's answer (a value or a function, as the exercise asks).

    Returns
    -------
    Feedback
        Shown as ``[passed] ...`` or ``[not yet] ...`` with the hints so far.
    """
    ex = get(name)
    feedback, unsolved = _run(ex, answer)
    if unsolved and instructor_mode():
        feedback, _ = _run(ex, ex.solution, used_solution=True)
    elif not feedback.passed and not unsolved:
        _FAILED[name] = _FAILED.get(name, 0) + 1
        feedback = Feedback(ex.name, False, feedback.message, ex.hints[:_FAILED[name]])
    return feedback


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
    except Exception as exc:  # noqa: BLE001 - a student's code may fail in any way: report
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


__all__ = ["Feedback", "MORE_AFTER_NUDGE", "MORE_AFTER_TODO", "check", "reset"]
