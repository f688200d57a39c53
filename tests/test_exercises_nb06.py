"""Exercises of notebook 06: placeholders fail with hints, solutions pass, wrong answers fail."""

from math import comb

import numpy as np

import contexture_lab as cl
from contexture_lab import exercises as ex

NAMES = ["06.concatenated_joint", "06.convex_spectrum"]


def test_the_bank_registers_every_exercise():
    assert ex.names("06") == sorted(NAMES)


def test_solutions_agree_with_the_package():
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


def test_wrong_answers_fail():
    def linear_mix(n_bits, e1, e2, w):   # mixes s instead of s^2
        s = np.concatenate([np.full(comb(n_bits, k), w * (1 - 2 * e1) ** k
                                    + (1 - w) * (1 - 2 * e2) ** k) for k in range(n_bits + 1)])
        return np.sort(s)[::-1][1:]

    fb = cl.exercises.check("06.convex_spectrum", linear_mix)
    assert not fb.passed and "kernels (s^2) that add" in fb.message

    def twice_px(P1, P2):                 # forgets to divide by p(x)
        return (P1[:, :, None] * P2[:, None, :]).reshape(P1.shape[0], -1)

    fb = cl.exercises.check("06.concatenated_joint", twice_px)
    assert not fb.passed and "counts p(x) twice" in fb.message

    def transposed_order(P1, P2):         # column a2 * M1 + a1
        p_x = P1.sum(axis=1)
        return (P2[:, :, None] * P1[:, None, :] / p_x[:, None, None]).reshape(P1.shape[0], -1)

    assert not cl.exercises.check("06.concatenated_joint", transposed_order).passed
