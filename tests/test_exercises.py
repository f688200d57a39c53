"""The exercise framework: placeholders fail helpfully, instructor mode fills solutions."""

from pathlib import Path

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import exercises as ex

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def toy_exercise():
    ex.register("99.square", prompt="return x squared", hint="use x * x",
                checker=lambda f: ex.compare_arrays(ex.call(f, np.arange(4.0)),
                                                    np.arange(4.0) ** 2, what="x^2"),
                solution=lambda x: x ** 2)
    yield "99.square"
    ex._REGISTRY.pop("99.square")


def test_placeholder_fails_with_hint(toy_exercise, monkeypatch):
    monkeypatch.delenv(ex.ENV_VAR, raising=False)
    for answer in (ex.TODO, lambda x: ex.TODO):
        fb = cl.exercises.check(toy_exercise, answer)
        assert not fb and "not solved yet" in fb.message and fb.hint == "use x * x"
        assert "hint: use x * x" in repr(fb)


def test_right_and_wrong_answers(toy_exercise):
    assert cl.exercises.check(toy_exercise, lambda x: x * x).passed
    wrong = cl.exercises.check(toy_exercise, lambda x: 2 * x)
    assert not wrong.passed and "off by up to 3" in wrong.message
    broken = cl.exercises.check(toy_exercise, lambda x: 1 / 0)
    assert not broken.passed and "ZeroDivisionError" in broken.message


def test_instructor_mode_fills_in_the_solution(toy_exercise, monkeypatch):
    monkeypatch.setenv(ex.ENV_VAR, "1")
    fb = cl.exercises.check(toy_exercise, lambda x: ex.TODO)
    assert fb.passed and fb.used_solution and "instructor mode" in repr(fb)
    # a student's own wrong answer is still judged as it is
    assert not cl.exercises.check(toy_exercise, lambda x: x).passed


def test_unknown_exercise():
    with pytest.raises(ValueError, match="unknown exercise"):
        cl.exercises.check("42.nothing", 1)


def all_exercise_names():
    names = []
    for nb in sorted(ROOT.glob("notebooks/[0-9][0-9]_*.ipynb")):
        names += cl.exercises.names(nb.name[:2])
    return names


def test_every_notebook_has_at_least_two_registered_exercises_it_uses():
    for nb in sorted(ROOT.glob("notebooks/[0-9][0-9]_*.ipynb")):
        text = nb.read_text()
        registered = cl.exercises.names(nb.name[:2])
        used = [n for n in registered if f'\\"{n}\\"' in text or f"'{n}'" in text]
        assert len(used) >= 2, f"{nb.name} checks fewer than two registered exercises"


@pytest.mark.parametrize("name", all_exercise_names())
def test_every_exercise_both_ways(name, monkeypatch):
    """Unsolved placeholders fail with the hint; solutions pass; instructor mode fills in."""
    solution = cl.exercises.solution(name)
    # the placeholder as a value, and (for function exercises) a function returning it
    unsolved = [ex.TODO] + ([lambda *args: ex.TODO] if callable(solution) else [])
    monkeypatch.delenv(ex.ENV_VAR, raising=False)
    for answer in unsolved:
        fb = cl.exercises.check(name, answer)
        assert not fb.passed and "not solved yet" in fb.message
        assert fb.hint == ex.get(name).hint and "hint:" in repr(fb)
    solved = cl.exercises.check(name, solution)
    assert solved.passed and not solved.used_solution, repr(solved)
    monkeypatch.setenv(ex.ENV_VAR, "1")
    for answer in unsolved:
        filled = cl.exercises.check(name, answer)
        assert filled.passed and filled.used_solution, repr(filled)
