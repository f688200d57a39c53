"""One harness for every exercise bank: each bank's table of common mistakes
(``banks/nbNN.py``) must be rejected with a helpful message and the exercise's own hints.

A table module holds ``WRONG``, a list of ``(exercise, answer, fragment)``: checking
``answer`` must fail with ``fragment`` in the message. It may also hold ``RIGHT``, answers
besides the reference that must pass (``(exercise, answer)``), and ``CHECKS``, functions of
no argument run as tests (a reference solution against the package, say). Every notebook
with exercises has a table, and every exercise of a bank has at least one wrong answer in
it. The placeholder, the reference and answers of the wrong kind are checked for every
exercise alike in test_exercises.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import contexture_lab as cl
from contexture_lab import exercises as ex

ROOT = Path(__file__).resolve().parents[2]
TABLES = Path(__file__).resolve().parent / "banks"


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(f"exercise_bank_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: bank (the notebook's two digits) -> its table module
BANKS = {path.stem[2:]: _load(path) for path in sorted(TABLES.glob("nb[0-9][0-9].py"))}
NOTEBOOK_BANKS = sorted(nb.name[:2] for nb in ROOT.glob("notebooks/[0-9][0-9]_*.ipynb")
                        if ex.names(nb.name[:2]))


def _cases(attribute):
    return [(bank, *(case if isinstance(case, tuple) else (case,)))
            for bank, table in BANKS.items() for case in getattr(table, attribute, [])]


def _ids(cases):
    counts: dict[str, int] = {}
    ids = []
    for case in cases:
        key = case[1] if isinstance(case[1], str) else f"{case[0]}.{case[1].__name__}"
        counts[key] = counts.get(key, 0) + 1
        ids.append(f"{key}-{counts[key]}")
    return ids


WRONG, RIGHT, CHECKS = _cases("WRONG"), _cases("RIGHT"), _cases("CHECKS")


@pytest.fixture(autouse=True)
def _student_mode(monkeypatch):
    """Checks as a student gets them (instructor mode would fill in the solution)."""
    monkeypatch.delenv(ex.ENV_VAR, raising=False)


def test_every_bank_with_exercises_has_a_table():
    assert NOTEBOOK_BANKS and sorted(BANKS) == NOTEBOOK_BANKS


@pytest.mark.parametrize("bank", sorted(BANKS))
def test_every_exercise_of_the_bank_has_wrong_answers(bank):
    tabled = {name for name, _, _ in BANKS[bank].WRONG}
    assert ex.names(bank) and tabled == set(ex.names(bank)), (
        f"bank {bank}: registered {ex.names(bank)}, tabled {sorted(tabled)}")


@pytest.mark.parametrize(("bank", "name", "answer", "fragment"), WRONG, ids=_ids(WRONG))
def test_a_common_mistake_is_rejected(bank, name, answer, fragment):
    fb = cl.exercises.check(name, answer)
    assert not fb.passed and fragment in fb.message, repr(fb)
    # with the exercise's own hints, in their order (the nudge first)
    assert fb.hints and fb.hints == ex.get(name).hints[:len(fb.hints)]


@pytest.mark.parametrize(("bank", "name", "answer"), RIGHT, ids=_ids(RIGHT))
def test_another_right_answer_passes(bank, name, answer):
    fb = cl.exercises.check(name, answer)
    assert fb.passed and not fb.used_solution, repr(fb)


@pytest.mark.parametrize(("bank", "check"), CHECKS,
                         ids=[f"{bank}.{check.__name__}" for bank, check in CHECKS])
def test_bank_check(bank, check):
    check()
