"""Helpers for checkers: call a student's function safely, read an answer as numbers, and
compare it with the expected value in plain sentences.

A checker raises :class:`Rejected` (its text is the feedback) for an answer it cannot use;
:func:`compare_numbers` and :func:`compare_arrays` return ``(passed, message)``.
"""

from __future__ import annotations

import copy

import numpy as np

from .registry import is_todo


class _Unsolved(Exception):
    """Raised inside a checker when a student's function returns TODO."""


class Rejected(Exception):
    """Raised inside a checker by the helpers below: the answer is rejected, and the
    exception's text (one plain sentence) is the feedback."""


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
    """Call a student's function inside a checker on copies of ``args``.

    The function may overwrite its inputs without changing the checker's data. A TODO
    result means 'unsolved'; an answer that is not a function is rejected.

    Parameters
    ----------
    func : callable
        The student's function.
    *args : object
        Its arguments (deep-copied).

    Returns
    -------
    object
        What the function returned.

    Raises
    ------
    Rejected
        If ``func`` is not callable.
    """
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
    """A student's answer as a float array, or :class:`Rejected` with a plain sentence.

    Refused: ``None``, text, booleans, complex numbers, nested lists of unequal lengths,
    NaN or infinity, and (if given) another shape than ``shape``.

    Parameters
    ----------
    got : object
        The answer.
    what : str, default="answer"
        How the messages name the value.
    shape : tuple of int, optional
        The shape the answer must have.

    Returns
    -------
    ndarray of float

    Examples
    --------
    >>> from contexture_lab.exercises.checking import as_array
    >>> as_array([1, 2])
    array([1., 2.])
    """
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
    """A student's answer as one finite real number, or :class:`Rejected`.

    Parameters
    ----------
    got : object
        The answer.
    what : str, default="answer"
        How the messages name the value.

    Returns
    -------
    float

    Examples
    --------
    >>> from contexture_lab.exercises.checking import Rejected, as_number
    >>> as_number(3)
    3.0
    >>> try:
    ...     as_number("15")
    ... except Rejected as message:
    ...     print(message)
    answer is the text '15', not a number: return the number itself (15, not '15')
    """
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
    """A student's answer as an int: a whole number (3 or 3.0, not 2.9 or "3").

    Parameters
    ----------
    got : object
        The answer.
    what : str, default="answer"
        How the messages name the value.

    Returns
    -------
    int
    """
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
    """Checker helper: (passed, message) for one number.

    The message never shows two equal-looking numbers.

    Parameters
    ----------
    got : object
        The answer.
    expected : float
        The right value.
    atol : float, default=1e-8
        Absolute tolerance.
    rtol : float, default=0.0
        Relative tolerance.
    what : str, default="answer"
        How the messages name the value.

    Returns
    -------
    passed : bool
    message : str

    Examples
    --------
    >>> from contexture_lab.exercises.checking import compare_numbers
    >>> compare_numbers(0.5, 0.25)
    (False, 'answer: you gave 0.5; expected 0.25 (difference 0.25)')
    """
    got = as_number(got, what=what)
    err = abs(got - expected)
    if err <= atol + rtol * abs(expected):
        return True, f"{what} matches (error {err:.1e})"
    g, e = _distinct(got, expected)
    return False, f"{what}: you gave {g}; expected {e} (difference {got - expected:.3g})"


def compare_arrays(got, expected, *, atol: float = 1e-6, what: str = "answer"):
    """Checker helper: (passed, message) comparing arrays of the same shape.

    Parameters
    ----------
    got : object
        The answer.
    expected : array-like
        The right values; the answer must have their shape.
    atol : float, default=1e-6
        Largest absolute error accepted.
    what : str, default="answer"
        How the messages name the value.

    Returns
    -------
    passed : bool
    message : str
        Where the largest error is, if it fails.
    """
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


__all__ = ["Rejected", "as_array", "as_number", "as_whole_number", "call", "compare_arrays",
           "compare_numbers"]
