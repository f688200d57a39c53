"""Notebook 06's exercises: the common mistakes each must reject (WRONG) and further checks."""

from math import comb

import numpy as np

import contexture_lab as cl
from contexture_lab import exercises as ex


def solutions_agree_with_the_package():
    s = ex.solution("06.convex_spectrum")(3, 0.1, 0.3, 0.5)
    assert s.shape == (7,)
    # three order-1 Walsh functions: s^2 = (0.8^2 + 0.4^2) / 2
    np.testing.assert_allclose(s[:3], np.sqrt((0.8 ** 2 + 0.4 ** 2) / 2))
    rng = np.random.default_rng(0)
    p_x = np.full(3, 1 / 3)
    P1 = p_x[:, None] * rng.dirichlet(np.ones(2), size=3)
    P2 = p_x[:, None] * rng.dirichlet(np.ones(3), size=3)
    joint = ex.solution("06.concatenated_joint")(P1, P2)
    ctx = cl.mixing.concatenate(cl.Context(P1), cl.Context(P2))
    np.testing.assert_allclose(joint[:, ctx.pairs[:, 0] * 3 + ctx.pairs[:, 1]], ctx.P,
                               atol=1e-15)


def linear_mix(n_bits, e1, e2, w):   # mixes s instead of s^2
    s = np.concatenate([np.full(comb(n_bits, k), w * (1 - 2 * e1) ** k
                                + (1 - w) * (1 - 2 * e2) ** k) for k in range(n_bits + 1)])
    return np.sort(s)[::-1][1:]


def unsorted(n_bits, e1, e2, w):      # right values, in order of the Walsh degree
    return ex.solution("06.convex_spectrum")(n_bits, e1, e2, w)[::-1]


def nested(n_bits, e1, e2, w):        # one row per degree, multiplicities as lists
    return [[np.sqrt(w * (1 - 2 * e1) ** (2 * k) + (1 - w) * (1 - 2 * e2) ** (2 * k))]
            * comb(n_bits, k) for k in range(1, n_bits + 1)]


def with_s0(n_bits, e1, e2, w):
    return np.r_[1.0, ex.solution("06.convex_spectrum")(n_bits, e1, e2, w)]


def twice_px(P1, P2):                 # forgets to divide by p(x)
    return (P1[:, :, None] * P2[:, None, :]).reshape(P1.shape[0], -1)


def transposed_order(P1, P2):         # column a2 * M1 + a1
    p_x = P1.sum(axis=1)
    return (P2[:, :, None] * P1[:, None, :] / p_x[:, None, None]).reshape(P1.shape[0], -1)


WRONG = [
    ("06.convex_spectrum", linear_mix, "kernels (s^2) that add"),
    ("06.convex_spectrum", unsorted, "not sorted"),
    ("06.convex_spectrum", nested, "not a regular array"),
    ("06.convex_spectrum", with_s0, "shape"),
    ("06.concatenated_joint", twice_px, "counts p(x) twice"),
    ("06.concatenated_joint", transposed_order, "off by"),
    ("06.concatenated_joint", lambda P1, P2: twice_px(P1, P2).reshape(P1.shape[0],
                                                                     P1.shape[1], -1), "shape"),
]


#: Further checks of this bank (each run as a test by test_banks.py).
CHECKS = [solutions_agree_with_the_package]
