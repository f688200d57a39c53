"""Notebook 10's exercises: the common mistakes each must reject (WRONG) and further checks."""

import numpy as np

import contexture_lab as cl
from contexture_lab import exercises as ex


def solutions_agree_with_the_package():
    rng = np.random.default_rng(10)
    P = rng.uniform(0.1, 1.0, size=(6, 5))
    P /= P.sum()
    np.testing.assert_allclose(ex.solution("10.centred_pmi")(P),
                               cl.generative.centred_pmi(cl.Context(P)), atol=1e-12)
    for shape in [(64, (1024,), 8), (64, (32, 32, 32, 32), 8), (2, (), 3)]:
        assert ex.solution("10.parameter_count")(*shape) == cl.scaling.parameter_count(*shape)


def _pmi(P):
    P = np.asarray(P)
    return np.log(P / np.outer(P.sum(1), P.sum(0)))


def plain_means(P):
    L = _pmi(P)
    L = L - L.mean(axis=1, keepdims=True)
    return L - L.mean(axis=0, keepdims=True)


def rows_only(P):
    return _pmi(P) - (_pmi(P) @ np.asarray(P).sum(0))[:, None]


def columns_only(P):
    return _pmi(P) - np.asarray(P).sum(1) @ _pmi(P)


def no_bias(n_in, hidden, n_out):
    w = [n_in, *hidden, n_out]
    return sum(a * b for a, b in zip(w[:-1], w[1:]))


def no_output_layer(n_in, hidden, n_out):
    w = [n_in, *hidden]
    return sum((a + 1) * b for a, b in zip(w[:-1], w[1:]))


def hidden_only(n_in, hidden, n_out):       # forgets the input layer
    w = [*hidden, n_out]
    return sum((a + 1) * b for a, b in zip(w[:-1], w[1:]))


WRONG = [
    ("10.centred_pmi", plain_means, "weighted with the marginals"),
    ("10.centred_pmi", rows_only, "only the rows"),
    ("10.centred_pmi", columns_only, "only the columns"),
    ("10.centred_pmi", _pmi, "the PMI itself"),
    ("10.centred_pmi", lambda P: _pmi(P)[:, :-1], "shape"),
    ("10.parameter_count", no_bias, "biases"),
    ("10.parameter_count", no_output_layer, "output layer"),
    ("10.parameter_count", hidden_only, "expected"),
    ("10.parameter_count", lambda n_in, hidden, n_out: 0.5 + no_bias(n_in, hidden, n_out),
     "whole number"),
]


#: Further checks of this bank (each run as a test by test_banks.py).
CHECKS = [solutions_agree_with_the_package]
