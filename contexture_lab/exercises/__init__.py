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

The package is in three parts: :mod:`.registry` (the placeholder, registration, look-up),
:mod:`.feedback` (:func:`check`, :class:`Feedback`, hints, :func:`reset`) and
:mod:`.checking` (helpers for checkers: :func:`call`, :func:`as_array`,
:func:`compare_numbers` ...); every name is served from here.
"""

from __future__ import annotations

from .checking import (
    Rejected,
    as_array,
    as_number,
    as_whole_number,
    call,
    compare_arrays,
    compare_numbers,
)
from .feedback import _FAILED as _FAILED  # the hint steps; tests reset them
from .feedback import MORE_AFTER_NUDGE, MORE_AFTER_TODO, Feedback, check, reset
from .registry import _REGISTRY as _REGISTRY  # every registered exercise
from .registry import (
    ENV_VAR,
    TODO,
    Exercise,
    get,
    instructor_mode,
    is_todo,
    names,
    register,
    solution,
    solution_source,
    starter,
)

__all__ = ["ENV_VAR", "Exercise", "Feedback", "MORE_AFTER_NUDGE", "MORE_AFTER_TODO",
           "Rejected", "TODO", "as_array", "as_number", "as_whole_number", "call", "check",
           "compare_arrays", "compare_numbers", "get", "instructor_mode", "is_todo", "names",
           "register", "reset", "solution", "solution_source", "starter"]
