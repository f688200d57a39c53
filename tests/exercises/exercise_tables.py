"""Shared assertions of the table-driven exercise tests (tests/exercises/test_exercises_nbNN.py)."""

import contexture_lab as cl
from contexture_lab import exercises as ex


def assert_rejected(name, answer, fragment):
    """``answer`` fails exercise ``name`` with ``fragment`` in the message and the
    exercise's own hints (the nudge, then both)."""
    fb = cl.exercises.check(name, answer)
    assert not fb.passed and fragment in fb.message, repr(fb)
    assert fb.hints and fb.hints == ex.get(name).hints[:len(fb.hints)]


def assert_reference_accepted(name):
    """The reference solution of exercise ``name`` passes its own check."""
    assert cl.exercises.check(name, ex.solution(name)).passed
