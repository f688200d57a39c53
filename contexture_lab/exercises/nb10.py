"""Exercises of notebook 10 (generative objectives and model size)."""

import numpy as np

from . import as_array, as_whole_number, call, compare_arrays, register


def _joints():
    """Positive joint matrices with non-uniform, unequal marginals (N != M)."""
    rng = np.random.default_rng(1010)
    out = []
    for n, m in ((5, 4), (7, 9)):
        P = rng.uniform(0.05, 1.0, size=(n, m)) * np.exp(rng.normal(size=(n, 1)))
        P = P * np.exp(rng.normal(size=(1, m)))
        out.append(P / P.sum())
    return out


# ---------------------------------------------------------------------- 10.centred_pmi
def _reference_centred_pmi(P):
    """Independent route: log P minus its weighted row and column means, plus the weighted
    grand mean (log P and the PMI differ by a row term and a column term only)."""
    p_x, p_a = P.sum(axis=1), P.sum(axis=0)
    L = np.log(P)
    row = L @ p_a                     # weighted mean over a, per x
    col = p_x @ L                     # weighted mean over x, per a
    return L - row[:, None] - col[None, :] + p_x @ L @ p_a


def _centrings(P):
    """Common mistakes: unweighted means, one side only, no centring."""
    p_x, p_a = P.sum(axis=1), P.sum(axis=0)
    L = np.log(P / np.outer(p_x, p_a))
    plain = L - L.mean(axis=1, keepdims=True)
    plain = plain - plain.mean(axis=0, keepdims=True)
    return {"weighted with the marginals (means under p_X over x and under p_A over a), "
            "not plain means": plain,
            "centred over both: you centred only the rows (each x)": L - (L @ p_a)[:, None],
            "centred over both: you centred only the columns (each a)": L - p_x @ L,
            "centred: you returned the PMI itself": L}


def _check_centred_pmi(func):
    for P in _joints():
        expected = _reference_centred_pmi(P)
        got = as_array(call(func, P), what=f"the centred PMI of a {P.shape} joint",
                       shape=expected.shape)
        passed, message = compare_arrays(got, expected, atol=1e-9,
                                         what=f"the centred PMI of a {P.shape} joint")
        if not passed:
            for hint, wrong in _centrings(P).items():
                if np.allclose(got, wrong, atol=1e-9):
                    return False, message + f"; it must be {hint}"
            return False, message
    return True, ("centred PMI = PMI minus its p_A-weighted row means and p_X-weighted "
                  "column means (plus the grand mean): what a softmax model must match")


def _centred_pmi_solution(P):
    P = np.asarray(P, dtype=float)
    p_x, p_a = P.sum(axis=1), P.sum(axis=0)
    L = np.log(P / np.outer(p_x, p_a))
    L = L - (L @ p_a)[:, None]
    return L - p_x @ L


register(
    "10.centred_pmi",
    prompt="write centred_pmi(P): for a joint matrix P (N, M) with positive entries, the PMI "
           "log P / (p_X p_A) with its row means under p_A and then its column means under "
           "p_X subtracted (shape (N, M))",
    hint="p_x = P.sum(axis=1), p_a = P.sum(axis=0); L = np.log(P / np.outer(p_x, p_a)); "
         "subtract (L @ p_a)[:, None], then the column means p_x @ L of the result",
    checker=_check_centred_pmi,
    solution=_centred_pmi_solution,
)


# ---------------------------------------------------------------------- 10.parameter_count
#: (in_features, hidden, out_features) cases: no hidden layer, one, and several of unequal
#: width (forgetting the biases, the output layer or the input layer changes every count)
_SHAPES = [(64, (8,), 8), (3, (), 2), (64, (32, 32, 32), 8), (5, (7, 11), 4)]


def _check_parameter_count(func):
    for n_in, hidden, n_out in _SHAPES:
        widths = [n_in, *hidden, n_out]
        expected = sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))
        what = f"the parameter count of {' -> '.join(map(str, widths))}"
        got = as_whole_number(call(func, n_in, tuple(hidden), n_out), what=what)
        if got != expected:
            no_bias = sum(a * b for a, b in zip(widths[:-1], widths[1:]))
            no_out = expected - (widths[-2] + 1) * n_out
            if got == no_bias:
                return False, f"{what}: got {got}, expected {expected}: count the biases too"
            if got == no_out:
                return False, (f"{what}: got {got}, expected {expected}: the output layer "
                               f"(width {widths[-2]} -> {n_out}) has parameters too")
            return False, f"{what}: got {got}, expected {expected}"
    return True, "parameters = sum over layers of (inputs + 1) x outputs"


def _parameter_count_solution(n_in, hidden, n_out):
    widths = [n_in, *hidden, n_out]
    return int(sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:])))


register(
    "10.parameter_count",
    prompt="write parameter_count(n_in, hidden, n_out): the number of trainable weights and "
           "biases of an MLP n_in -> hidden[0] -> ... -> n_out (hidden a tuple of widths, "
           "possibly empty)",
    hint="a linear layer from a to b units has a * b weights and b biases; chain the widths "
         "[n_in, *hidden, n_out] and add the layers up",
    checker=_check_parameter_count,
    solution=_parameter_count_solution,
)
