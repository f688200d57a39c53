"""Exercises of notebook 04: placeholders fail with the hint, solutions pass, wrong answers fail."""

import numpy as np

import contexture_lab as cl
from contexture_lab import exercises as ex
from contexture_lab.attention import attention_context

NAMES = ["04.attention_matrix", "04.reversible_weights", "04.layers_needed"]


def test_the_bank_registers_every_exercise():
    assert ex.names("04") == sorted(NAMES)


def test_attention_matrix_solution_agrees_with_the_package():
    rng = np.random.default_rng(0)
    Q, K = rng.standard_normal((4, 3)), rng.standard_normal((6, 3))
    np.testing.assert_allclose(ex.solution("04.attention_matrix")(Q, K, 0.5),
                               attention_context(Q, K, 0.5).conditional(), atol=1e-12)


def test_wrong_answers_fail():
    def no_sqrt(Q, K, t):
        S = Q @ K.T / t
        E = np.exp(S - S.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)

    def columns(Q, K, t):
        S = Q @ K.T / (t * np.sqrt(Q.shape[1]))
        E = np.exp(S)
        return E / E.sum(axis=0, keepdims=True)

    assert not cl.exercises.check("04.attention_matrix", no_sqrt).passed
    fb = cl.exercises.check("04.attention_matrix", columns)
    assert not fb.passed and "columns sum to 1" in fb.message
    uniform = cl.exercises.check("04.reversible_weights", lambda S: np.full(len(S), 1 / len(S)))
    assert not uniform.passed and "not symmetric" in uniform.message
    floor = cl.exercises.check("04.layers_needed",
                               lambda s1, t: int(np.floor(np.log(t) / np.log(s1))))
    assert not floor.passed and "0.8" in floor.message
