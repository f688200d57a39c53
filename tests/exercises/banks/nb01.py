"""Notebook 01's exercises: the common mistakes each must reject (WRONG) and further checks."""

import numpy as np

import contexture_lab as cl


def _numerical_svd(n, p):
    P = np.zeros((n, n))
    for x in range(n):
        P[x, x] += 1 - p
        P[x, (x + 1) % n] += p / 2
        P[x, (x - 1) % n] += p / 2
    return np.linalg.svd(P, compute_uv=False)


def _cycle(transform):
    return lambda n, p: transform(1 - p + p * np.cos(2 * np.pi * np.arange(n) / n))


WRONG = [
    ("01.expectation", lambda P, g: P @ g, "p_x"),                     # no division
    ("01.expectation", lambda P, g: (P @ g) / P.sum(), "p_x"),           # P sums to 1
    ("01.expectation", lambda P, g: P @ g / P.sum(axis=1).mean(), "off by"),
    ("01.expectation", lambda P, g: (P / P.sum(axis=0)) @ g, "off by"),  # divides by p_a
    ("01.cycle_spectrum", _numerical_svd, "closed form"),
    ("01.cycle_spectrum", _cycle(lambda v: np.sort(v)[::-1]), "off by"),      # no abs
    ("01.cycle_spectrum", _cycle(lambda v: np.abs(v)), "not sorted"),          # unsorted
    ("01.cycle_spectrum", _cycle(lambda v: np.sort(np.abs(v))), "not sorted"),  # ascending
    ("01.cycle_spectrum", _cycle(lambda v: np.sort(np.abs(v))[::-1][1:]), "shape"),
    ("01.cycle_spectrum", lambda n, p: np.sort(np.abs(
        1 - p + p * np.cos(np.pi * np.arange(n) / n)))[::-1], "off by"),      # pi, not 2 pi
    ("01.walsh_multiplicity", 6, "degree 1"),
    ("01.walsh_multiplicity", 14.9, "not a whole number"),
    ("01.walsh_multiplicity", "15", "text"),
    ("01.walsh_multiplicity", 15 + 0j, "complex"),
    ("01.walsh_multiplicity", [15], "one number"),
    ("01.walsh_multiplicity", True, "True/False"),
    ("01.walsh_multiplicity", float("nan"), "NaN"),
    ("01.walsh_multiplicity", 16, "not the multiplicity"),
]


#: Right answers besides the reference: the count as a float or a numpy integer.
RIGHT = [("01.walsh_multiplicity", 15.0), ("01.walsh_multiplicity", np.int64(15))]


def svd_is_restored_after_a_check():
    # the closed-form guard is lifted after the check (also after a rejection)
    cl.exercises.check("01.cycle_spectrum", _numerical_svd)
    assert np.linalg.svd(np.eye(2), compute_uv=False).tolist() == [1.0, 1.0]
    import scipy.linalg
    assert scipy.linalg.svdvals(np.eye(2)).tolist() == [1.0, 1.0]


#: Further checks of this bank (each run as a test by test_banks.py).
CHECKS = [svd_is_restored_after_a_check]
