"""Exercises of notebook 04 (attention as a contexture operation)."""

import math

import numpy as np

from . import as_array, as_whole_number, call, compare_arrays, register


# ---------------------------------------------------------------------- 04.attention_matrix
def _check_attention_matrix(func):
    rng = np.random.default_rng(404)
    # t = 1 hides where the temperature goes; 0.25 and 2 tell t from 1/t
    for n, m, dim, t in [(5, 7, 3, 1.0), (4, 4, 8, 0.25), (3, 6, 2, 2.0)]:
        Q, K = rng.standard_normal((n, dim)), rng.standard_normal((m, dim))
        # independent reference: one row at a time, written out
        expected = np.empty((n, m))
        for i in range(n):
            scores = np.array([Q[i] @ K[j] for j in range(m)]) / (t * math.sqrt(dim))
            w = np.exp(scores - scores.max())
            expected[i] = w / w.sum()
        got = as_array(call(func, Q, K, t), what="the attention matrix")
        passed, message = compare_arrays(got, expected, atol=1e-10,
                                         what=f"attention matrix ({n} queries, {m} keys, "
                                              f"dim {dim}, temperature {t})")
        if not passed:
            if got.shape == expected.shape and np.allclose(got.sum(axis=0), 1.0):
                message += "; your columns sum to 1, but each query's row must"
            return False, message
    return True, "rows are softmax(<q_i, k_j> / (t sqrt(dim))) over the keys j"


def _attention_matrix_solution(queries, keys, temperature):
    scores = queries @ keys.T / (temperature * np.sqrt(queries.shape[1]))
    scores = scores - scores.max(axis=1, keepdims=True)
    weights = np.exp(scores)
    return weights / weights.sum(axis=1, keepdims=True)


register(
    "04.attention_matrix",
    prompt="write attention_matrix(queries, keys, temperature) returning P(a_j | x_i) = "
           "softmax_j(<q_i, k_j> / (temperature * sqrt(dim))), shape (N, M), numpy only",
    nudge="row i is a softmax over the keys j of the scores <q_i, k_j> / (temperature "
          "* sqrt(dim)); every score at once is one matrix product",
    hint="exp of a large score overflows: subtract each row's largest score first "
         "(the softmax does not change), exponentiate, then divide each row by its "
         "own sum (kept as a column, so that it broadcasts)",
    checker=_check_attention_matrix,
    solution=_attention_matrix_solution,
    starter='''\
def attention_matrix(queries, keys, temperature):
    # your code here: return an array of shape (N, M) whose rows sum to 1
    return cl.exercises.TODO

cl.exercises.check("04.attention_matrix", attention_matrix)
''',
)


# ---------------------------------------------------------------------- 04.reversible_weights
def _check_reversible(func):
    rng = np.random.default_rng(4040)
    for n, dim, scale in ((6, 3, 2.0), (4, 5, 1.0)):
        Z = rng.standard_normal((n, dim))
        S = Z @ Z.T / scale                              # symmetric scores (W_Q = W_K)
        C = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)   # before the call
        pi = as_array(call(func, S), what="the weights", shape=(n,))
        if (pi <= 0).any() or abs(pi.sum() - 1) > 1e-8:
            return False, (f"weights must be positive and sum to 1; yours have minimum "
                           f"{pi.min():.4g} and sum {pi.sum():.10g}")
        P = pi[:, None] * C
        gap = float(np.abs(P - P.T).max())
        if gap > 1e-10:
            return False, (f"for a {n} x {n} score matrix P = diag(weights) C is not "
                           f"symmetric (largest |P - P^T| = {gap:.3g}), so the context is "
                           "not reversible")
    return True, "P = diag(pi) C is symmetric: detailed balance holds and T is self-adjoint"


def _reversible_solution(S):
    E = np.exp(S)
    return E.sum(axis=1) / E.sum()


register(
    "04.reversible_weights",
    prompt="write reversible_weights(S): for a symmetric score matrix S (N, N), the query "
           "weights pi (N,) that make the attention context P = diag(pi) softmax(S) "
           "reversible (P symmetric)",
    nudge="softmax(S) = D^-1 exp(S) with D the diagonal of the row sums of exp(S), "
          "and exp(S) is symmetric already",
    hint="diag(c) M with a symmetric M of positive entries is symmetric only when all "
         "c_i are equal; here c = pi / (row sums of exp(S)): what does that ask of "
         "pi? Then make it sum to 1",
    checker=_check_reversible,
    solution=_reversible_solution,
    starter='''\
def reversible_weights(S):
    # your code here: return an array of shape (N,)
    return cl.exercises.TODO

cl.exercises.check("04.reversible_weights", reversible_weights)
''',
)


# ---------------------------------------------------------------------- 04.layers_needed
def _check_layers(func):
    # (0.5, 0.25) lands exactly on a power (<=, not <; ceil, not floor + 1); (0.3, 0.3)
    # needs one layer; the others round up from a fraction
    for s1, target in [(0.8, 0.1), (0.5, 0.01), (0.9, 0.5), (0.3, 0.3), (0.5, 0.25)]:
        expected = next(L for L in range(1, 1000) if s1 ** L <= target)
        got = as_whole_number(call(func, s1, target),
                              what=f"the number of layers for s1={s1}, target {target}")
        if got != expected:
            if got < expected:
                return False, (f"for s1 = {s1} and target {target} you said {got} layers, "
                               f"but {s1}^{got} = {s1 ** got:.4g} is still above the target")
            return False, (f"for s1 = {s1} and target {target} you said {got} layers, but "
                           f"{s1}^{got - 1} = {s1 ** (got - 1):.4g} is already <= the "
                           "target: fewer layers suffice")
    return True, "the smallest L with s1^L <= target, for every case checked"


def _layers_solution(s1, target):
    return max(1, math.ceil(math.log(target) / math.log(s1) - 1e-12))


register(
    "04.layers_needed",
    prompt="write layers_needed(s1, target): stacking identical reversible attention layers "
           "with top singular value s1 (0 < s1 < 1), the smallest number of layers L >= 1 "
           "after which s_1 of the stack is <= target",
    nudge="stacking a reversible layer L times raises each of its singular values to "
          "the power L",
    hint="you need the smallest whole L >= 1 with s1^L <= target: take logarithms "
         "(log s1 < 0 flips the inequality) and round up; a target that is exactly a "
         "power of s1 needs no extra layer",
    checker=_check_layers,
    solution=_layers_solution,
    starter='''\
def layers_needed(s1, target):
    # your code here: return a whole number
    return cl.exercises.TODO

cl.exercises.check("04.layers_needed", layers_needed)
''',
)
