"""Builders against the closed forms of THEORY.md section 2."""

from math import comb

import bad_input_checks as bic
import numpy as np
import pytest
import scipy.sparse as sp
from bad_input_checks import bad_input_tests

import contexture_lab as cl


def test_label_context_spectrum():
    y = np.array([0, 1, 2, 2, 1, 0, 0, 3, 3, 3, 2])
    ctx = cl.contexts.label(y)
    assert ctx.is_sparse and ctx.shape == (11, 4)
    np.testing.assert_allclose(ctx.p_x, 1 / 11)
    res = cl.contexture(ctx, 3)
    np.testing.assert_allclose(res.singular_values, [1, 1, 1], atol=1e-12)
    # the left functions span the centred class indicators: each is constant on a class
    for c in range(4):
        block = res.left[y == c]
        np.testing.assert_allclose(block, np.broadcast_to(block[0], block.shape), atol=1e-12)


def test_label_context_with_more_classes_than_d_has_zero_rest():
    y = np.array([0, 1, 2, 0, 1, 2])
    ctx = cl.contexts.label(y, x_features=np.eye(6))
    P = ctx.P.toarray()
    assert cl.Context(P).shape == (6, 3)
    # T T* on the 6 inputs: eigenvalue 1 on the 3 class indicators, exactly 0 on the rest
    Q = P / np.sqrt(np.outer(P.sum(axis=1), P.sum(axis=0)))
    np.testing.assert_allclose(np.linalg.eigvalsh(Q @ Q.T)[::-1], [1, 1, 1, 0, 0, 0],
                               atol=1e-12)
    res = cl.contexture(ctx, 2)
    np.testing.assert_allclose(res.singular_values, [1, 1], atol=1e-12)
    # a function that averages to zero within every class is orthogonal to the whole
    # contexture: it lies in the zero rest
    f = np.array([1.0, 2.0, -3.0, -1.0, -2.0, 3.0])
    np.testing.assert_allclose(res.coefficients(f), 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="at most min"):
        cl.contexture(ctx, 3)


@pytest.mark.parametrize("n, p", [(8, 0.3), (11, 0.9), (16, 0.5)])
def test_cycle_is_fourier(n, p):
    ctx = cl.contexts.cycle(n, p)
    expected = np.sort(np.abs(1 - p + p * np.cos(2 * np.pi * np.arange(n) / n)))[::-1]
    res = cl.contexture(ctx, n - 1)
    np.testing.assert_allclose(res.singular_values, expected[1:], atol=1e-10)
    # the top non-constant pair spans cos and sin of frequency 1 (when not degenerate with others)
    if p < 2 / 3:
        x = 2 * np.pi * np.arange(n) / n
        F = np.c_[np.cos(x), np.sin(x)]
        assert cl.alignment.cca_r2(res.left[:, :2], F) == pytest.approx(1.0, abs=1e-10)


@pytest.mark.parametrize("n_bits, flip", [(3, 0.1), (5, 0.25), (4, 0.4)])
def test_hypercube_is_walsh(n_bits, flip):
    ctx = cl.contexts.hypercube(n_bits, flip)
    expected = np.concatenate([np.full(comb(n_bits, k), (1 - 2 * flip) ** k)
                               for k in range(n_bits + 1)])
    res = cl.contexture(ctx, 2 ** n_bits - 1)
    np.testing.assert_allclose(res.singular_values, np.sort(expected)[::-1][1:], atol=1e-10)
    # the degree-1 Walsh functions (-1)^{x_j} span the top eigenspace
    bits = ctx.x_features
    walsh1 = (-1.0) ** bits
    assert cl.alignment.cca_r2(res.left[:, :n_bits], walsh1) == pytest.approx(1.0, abs=1e-9)


def test_hypercube_extremes():
    assert np.allclose(cl.contexture(cl.contexts.hypercube(3, 0.0), 7).singular_values, 1)
    assert np.allclose(cl.contexture(cl.contexts.hypercube(3, 0.5), 7).singular_values, 0,
                       atol=1e-12)
    # flip = 1 maps every bit to its complement: a bijection, all singular values 1
    assert np.allclose(cl.contexture(cl.contexts.hypercube(3, 1.0), 7).singular_values, 1)


def test_identity_and_independent():
    np.testing.assert_allclose(cl.contexture(cl.contexts.identity(9), 8).singular_values, 1)
    ctx = cl.contexts.independent(np.full(5, 0.2), np.array([0.1, 0.2, 0.3, 0.4]))
    np.testing.assert_allclose(cl.contexture(ctx, 3).singular_values, 0, atol=1e-12)
    np.testing.assert_allclose(ctx.dual_kernel(), 1.0)


def test_random_walk_spectrum_is_power_of_walk_eigenvalues():
    W, clubs = cl.datasets.karate_club()
    degree = W.sum(axis=1)
    sym = W / np.sqrt(np.outer(degree, degree))       # D^-1/2 W D^-1/2, same spectrum as D^-1 W
    lam = np.linalg.eigvalsh(sym)
    for steps in (1, 2, 5):
        ctx = cl.contexts.random_walk(W, steps)
        np.testing.assert_allclose(ctx.p_x, degree / degree.sum(), atol=1e-14)
        expected = np.sort(np.abs(lam) ** steps)[::-1][1:]
        res = cl.contexture(ctx, 33)
        np.testing.assert_allclose(res.singular_values, expected, atol=1e-10)
    # the top function separates the two clubs (Fiedler-like split), up to a few nodes
    top = cl.contexture(cl.contexts.random_walk(W, 3), 1).left[:, 0]
    agreement = np.mean((top > 0) == (clubs == clubs[np.argmax(top)]))
    assert agreement >= 0.9


def test_random_walk_sparse_input_stays_sparse():
    W = sp.csr_matrix(cl.datasets.ring_graph(30))
    ctx = cl.contexts.random_walk(W, 3)
    assert ctx.is_sparse
    expected = np.sort(np.abs(np.cos(2 * np.pi * np.arange(30) / 30)) ** 3)[::-1][1:6]
    np.testing.assert_allclose(cl.contexture(ctx, 5).singular_values, expected, atol=1e-10)


def test_knn_structure():
    X = np.array([[0.0], [1.0], [3.0], [7.0]])
    ctx = cl.contexts.knn(X, 1)
    nearest = np.asarray(ctx.P.argmax(axis=1)).ravel()
    np.testing.assert_array_equal(nearest, [1, 0, 1, 2])
    np.testing.assert_allclose(ctx.p_a, [0.25, 0.5, 0.25, 0.0])
    assert ctx.x_features is not None and ctx.a_features.shape == (4, 1)
    dup = cl.contexts.knn(np.zeros((5, 2)), 2)          # duplicates: self still excluded
    assert np.all(dup.P.diagonal() == 0)


def test_knn_ties_break_by_smaller_index():
    X = np.array([[0.0], [1.0], [-1.0], [2.0], [-2.0], [0.0]])
    ctx = cl.contexts.knn(X, 2)
    rows = [sorted(ctx.P[i].indices) for i in range(6)]
    assert rows[0] == [1, 5]          # the duplicate at distance 0, then 1 before 2 (tie)
    assert rows[1] == [0, 3]          # 0, 3 and 5 all at distance 1: the two smallest
    assert rows[5] == [0, 1]


def test_rbf_rows_follow_gaussian_weights():
    X = np.array([[0.0], [1.0], [2.5]])
    ctx = cl.contexts.rbf(X, 1.0)
    w = np.exp(-np.array([0.0, 1.0, 6.25]) / 2)
    np.testing.assert_allclose(ctx.conditional()[0], w / w.sum())
    wide = cl.contexture(cl.contexts.rbf(X, 1e3), 2).singular_values
    narrow = cl.contexture(cl.contexts.rbf(X, 1e-2), 2).singular_values
    assert wide.max() < 1e-5 and narrow.min() > 1 - 1e-6


# ---------------------------------------------------------------------- the knob registry
@pytest.mark.parametrize("ties", [False, True])
def test_knn_knob_matches_builder(ties):
    # digits' pixels take 17 levels: many equal distances
    X = (cl.datasets.load_digits(200, random_state=3).X if ties
         else np.random.default_rng(5).normal(size=(80, 3)))
    for k, ctx in cl.contexts.knob_contexts("knn", [1, 4, 20], X=X):
        assert abs(ctx.P - cl.contexts.knn(X, k).P).max() == 0


def test_attention_knob_uses_attention_context():
    rng = np.random.default_rng(7)
    q, k = rng.normal(size=(10, 4)), rng.normal(size=(12, 4))
    (t, ctx), = cl.contexts.knob_contexts("attention", [2.0], queries=q, keys=k)
    scores = q @ k.T / (2.0 * np.sqrt(4))
    C = np.exp(scores - scores.max(axis=1, keepdims=True))
    np.testing.assert_allclose(ctx.conditional(), C / C.sum(axis=1, keepdims=True),
                               atol=1e-12)


def test_knob_validation():
    with pytest.raises(ValueError, match="unknown knob"):
        list(cl.contexts.knob_contexts("crop", [1], X=np.zeros((3, 2))))
    with pytest.raises(ValueError, match="missing \\['X'\\]"):
        list(cl.contexts.knob_contexts("knn", [1]))
    with pytest.raises(ValueError, match="unexpected \\['W'\\]"):
        list(cl.contexts.knob_contexts("hypercube", [0.1], n_bits=2, W=np.eye(2)))
    with pytest.raises(ValueError, match="empty"):
        list(cl.contexts.knob_contexts("hypercube", [], n_bits=2))


@pytest.mark.parametrize("call, error, match", [
    (lambda: cl.contexts.knn(np.zeros((5, 2)), 5), ValueError, "smaller than the number"),
    (lambda: cl.contexts.knn(np.zeros((5, 2)), 0), ValueError, "k must be >= 1"),
    (lambda: cl.contexts.knn(np.zeros((5, 2)), 2.5), TypeError, "integer"),
    (lambda: cl.contexts.knn(np.full((5, 2), np.nan), 2), ValueError, "NaN"),
    (lambda: cl.contexts.rbf(np.zeros((3, 1)), 0.0), ValueError, "bandwidth must be > 0"),
    (lambda: cl.contexts.rbf(np.zeros((3, 1)), -1), ValueError, "bandwidth"),
    (lambda: cl.contexts.hypercube(3, 1.5), ValueError, "flip must be <= 1"),
    (lambda: cl.contexts.hypercube(3, -0.1), ValueError, "flip must be >= 0"),
    (lambda: cl.contexts.cycle(10, 2.0), ValueError, "p must be <= 1"),
    (lambda: cl.contexts.independent([0.5, 0.6], [1.0]), ValueError, "sum to 1"),
    (lambda: cl.contexts.independent([1.5, -0.5], [1.0]), ValueError, "negative"),
    (lambda: cl.contexts.random_walk(np.array([[0, 1], [0, 0.0]]), 1), ValueError, "symmetric"),
    (lambda: cl.contexts.random_walk(np.zeros((3, 3)), 1), ValueError, "no edges"),
    (lambda: cl.contexts.random_walk(np.ones((2, 3)), 1), ValueError, "square"),
    (lambda: cl.contexts.random_walk(cl.datasets.ring_graph(5), 0), ValueError, "steps"),
    (lambda: cl.contexts.label(np.zeros((2, 2))), ValueError, "1-D"),
])
def test_builder_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------------- text contexts
def _pair_counts_by_loops(sequences, vocab, window):
    index = {t: i for i, t in enumerate(vocab)}
    C = np.zeros((len(vocab), len(vocab)))
    for seq in sequences:
        for i, a in enumerate(seq):
            for j, b in enumerate(seq):
                if 0 < abs(i - j) <= window and a in index and b in index:
                    C[index[a], index[b]] += 1
    return C


def test_cooccurrence_context_counts_pairs_within_the_window():
    # sequence 1 2 3 1 with window 1: pairs (1,2), (2,3), (3,1) each both ways
    ctx = cl.contexts.cooccurrence_context([[1, 2, 3, 1], [9, 9]], [1, 2, 3], window=1)
    assert ctx.is_sparse
    np.testing.assert_allclose(ctx.P.toarray(), np.array([[0, 1, 1], [1, 0, 1],
                                                          [1, 1, 0]]) / 6)
    rng = np.random.default_rng(0)
    seqs = [rng.integers(0, 12, size=rng.integers(3, 15)).tolist() for _ in range(20)]
    vocab = [7, 2, 5, 0, 11, 3]
    for window in (1, 2, 4):
        C = _pair_counts_by_loops(seqs, vocab, window)
        ctx = cl.contexts.cooccurrence_context(seqs, vocab, window=window)
        np.testing.assert_allclose(ctx.P.toarray(), C / C.sum(), atol=1e-15)
    with pytest.raises(ValueError, match="distinct token ids"):
        cl.contexts.cooccurrence_context(seqs, [1, 1])
    with pytest.raises(ValueError, match="window must be >= 1"):
        cl.contexts.cooccurrence_context(seqs, vocab, window=0)


def test_bag_of_words_context_is_the_count_matrix():
    seqs = [[4, 4, 1, 9], [1, 2], [2, 2, 2, 7]]
    vocab = [1, 2, 4]
    ctx = cl.contexts.bag_of_words_context(seqs, vocab)
    counts = np.array([[seq.count(t) for t in vocab] for seq in seqs], dtype=float)
    np.testing.assert_allclose(ctx.P.toarray(), counts / counts.sum())
    assert ctx.shape == (3, 3)


# ---------------------------------------------------------------------- bad input (tables)
_X, _W = bic.X30, bic.W4
BAD_INPUT = [
    ("knn complex", lambda: cl.contexts.knn(_X + 0j, 3), TypeError, "X has complex"),
    ("rbf complex", lambda: cl.contexts.rbf(_X + 0j, 1.0), TypeError, "X has complex"),
    ("random_walk complex", lambda: cl.contexts.random_walk(_W + 0j), TypeError,
     "W has complex"),
    ("label complex", lambda: cl.contexts.label(np.arange(4) + 1j), TypeError, "complex"),
    ("knn NaN", lambda: cl.contexts.knn(np.r_[_X, [[np.nan, 0]]], 3), ValueError, "NaN"),
    ("knn zero width", lambda: cl.contexts.knn(np.zeros((5, 0)), 2), ValueError,
     "no features"),
    ("knn 3-D", lambda: cl.contexts.knn(np.zeros((5, 2, 2)), 2), ValueError, "2-D"),
    ("label None", lambda: cl.contexts.label([1, None, 2]), ValueError, "missing label"),
    ("label NaN", lambda: cl.contexts.label([1.0, np.nan, 2.0]), ValueError, "missing label"),
    ("label mixed", lambda: cl.contexts.label(np.array([1, (2,)], dtype=object)), TypeError,
     "cannot be ordered"),
    ("rbf bandwidth 0", lambda: cl.contexts.rbf(_X, 0.0), ValueError, "bandwidth must be >"),
    ("random_walk steps 0", lambda: cl.contexts.random_walk(_W, 0), ValueError, "steps"),
    ("rbf empty X", lambda: cl.contexts.rbf(np.zeros((0, 2)), 1.0), ValueError,
     r"X has shape \(0, 2\); an RBF context needs at least one point"),
]
COMMON = {
    "knn": lambda a: cl.contexts.knn(a(bic.F20), 3),
    "rbf": lambda a: cl.contexts.rbf(a(bic.F20), 1.0),
    "random_walk": lambda a: cl.contexts.random_walk(a(bic.W5)),
    "independent": lambda a: cl.contexts.independent(a(np.array([0.5, 0.5])), [0.5, 0.5]),
}


test_bad_input_gets_a_clear_error, test_common_checks = bad_input_tests(BAD_INPUT, COMMON)


@pytest.mark.parametrize("scale", [1e-300, 1e300, 2.0 ** -1000])
def test_knn_of_rescaled_points_picks_the_same_neighbours(scale):
    ref = cl.contexts.knn(_X, 3).P
    assert (cl.contexts.knn(_X * scale, 3).P != ref).nnz == 0


def test_rbf_bandwidth_at_the_ends_of_the_float_range():
    n = _X.shape[0]
    np.testing.assert_allclose(cl.contexts.rbf(_X, 1e-300).conditional(), np.eye(n))
    np.testing.assert_allclose(cl.contexts.rbf(_X, 1e308).conditional(),
                               np.full((n, n), 1 / n))
    ref = cl.contexts.rbf(_X, 0.7).P
    for scale in (1e200, 1e-200):
        np.testing.assert_allclose(cl.contexts.rbf(_X * scale, 0.7 * scale).P, ref,
                                   atol=1e-15)


@pytest.mark.parametrize("scale", [1e-300, 1e308])
def test_random_walk_weights_at_the_ends_of_the_float_range(scale):
    Wr = np.random.default_rng(5).random((5, 5))
    Wr = (Wr + Wr.T) / 2        # entries in [0, 1]: Wr * 1e308 is finite
    ref = cl.contexts.random_walk(Wr, 2).P
    np.testing.assert_allclose(cl.contexts.random_walk(Wr * scale, 2).P, ref, rtol=1e-12)


def test_random_walk_many_steps_is_cheap_and_exact():
    import time

    Wr = np.random.default_rng(6).random((6, 6))
    Wr = Wr + Wr.T
    degree = Wr.sum(axis=1)
    step = Wr / degree[:, None]
    pi = degree / degree.sum()
    loop = step
    for _ in range(6):
        loop = loop @ step
    np.testing.assert_allclose(cl.contexts.random_walk(Wr, 7).P, pi[:, None] * loop,
                               atol=1e-15)
    start = time.perf_counter()
    far = cl.contexts.random_walk(sp.csr_matrix(Wr), 10 ** 6)
    assert time.perf_counter() - start < 0.5                # was ~0.8 s per million steps
    np.testing.assert_allclose(far.P.toarray(), np.outer(pi, pi), atol=1e-12)  # mixed


# ---------------------------------------------------------------------- masked contexts
def _rbf_joint(X, h):
    d2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
    W = np.exp(-d2 / (2 * h * h))
    return W / W.sum(axis=1, keepdims=True) / X.shape[0]


def test_masked_rbf_is_the_average_of_rbf_contexts_on_the_masked_inputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(15, 5))
    ctx = cl.contexts.masked(X, "rbf", bandwidth=1.5, rate=0.4, n_masks=3, random_state=7)
    masks = np.random.default_rng(7)
    want = np.zeros((15, 15))
    for _ in range(3):
        hidden = masks.permutation(5)[:2]                 # round(0.4 * 5) = 2 masked
        Xm = X.copy()
        Xm[:, hidden] = 0.0                               # zeroing = removing, for distances
        want += _rbf_joint(Xm, 1.5) / 3
    np.testing.assert_allclose(ctx.P, want, atol=1e-14)
    np.testing.assert_allclose(ctx.p_x, np.full(15, 1 / 15))
    np.testing.assert_array_equal(ctx.x_features, X)


def test_masked_knn_averages_neighbour_sets_and_stays_sparse():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 10))
    ctx = cl.contexts.masked(X, "knn", k=4, rate=0.2, n_masks=5, random_state=2)
    assert sp.issparse(ctx.P)
    P = ctx.P.toarray()
    np.testing.assert_allclose(P.sum(axis=1), 1 / 30)
    np.testing.assert_array_equal(np.diag(P), 0.0)         # self excluded in every mask
    # each row: 5 masks x 4 neighbours, each with mass 1 / (30 * 4 * 5)
    np.testing.assert_allclose(np.round(P * 600) - P * 600, 0.0, atol=1e-9)
    one = cl.contexts.masked(X, "knn", k=4, rate=0.2, n_masks=1, random_state=2)
    keep = np.sort(np.random.default_rng(2).permutation(10)[2:])
    np.testing.assert_array_equal(one.P.toarray(), cl.contexts.knn(X[:, keep], 4).P.toarray())


def test_masked_bad_input():
    X = np.random.default_rng(0).normal(size=(10, 4))
    with pytest.raises(ValueError, match="unknown base 'walk'"):
        cl.contexts.masked(X, "walk", k=2)
    with pytest.raises(ValueError, match="rate must be < 1"):
        cl.contexts.masked(X, "knn", k=2, rate=1.0)
    with pytest.raises(ValueError, match="rate must be > 0"):
        cl.contexts.masked(X, "knn", k=2, rate=0.0)
    with pytest.raises(ValueError, match="needs k"):
        cl.contexts.masked(X, "knn")
    with pytest.raises(ValueError, match="needs bandwidth"):
        cl.contexts.masked(X, "rbf")
    with pytest.raises(ValueError, match="at least 2"):
        cl.contexts.masked(X[:, :1], "knn", k=2)


def test_crop_masks_are_squares_of_the_stated_area_and_drive_masked():
    masks = cl.contexts.crop_masks(28, 28, 0.2, 6, random_state=0)
    assert masks.shape == (6, 784) and masks.dtype == bool
    side = round(np.sqrt(0.2 * 784))                      # 13
    for m in masks.reshape(6, 28, 28):
        rows, cols = np.flatnonzero(m.any(axis=1)), np.flatnonzero(m.any(axis=0))
        assert rows.size == cols.size == side and m.sum() == side * side
        assert np.all(np.diff(rows) == 1) and np.all(np.diff(cols) == 1)
    X = np.random.default_rng(0).normal(size=(12, 784))
    ctx = cl.contexts.masked(X, "knn", k=3, visible=masks[:2])
    want = (cl.contexts.knn(X[:, masks[0]], 3).P + cl.contexts.knn(X[:, masks[1]], 3).P) / 2
    np.testing.assert_allclose(ctx.P.toarray(), want.toarray())
    with pytest.raises(ValueError, match="visible must be a boolean array of shape"):
        cl.contexts.masked(X, "knn", k=3, visible=np.ones((2, 5), dtype=bool))


def test_random_walk_with_subnormal_weights_is_the_same_walk():
    """Weights of 1e-320 (subnormal) give the walk of weights 1: the scale cancels exactly."""
    tiny = bic.W4 * 1e-320
    with np.errstate(all="raise"):
        ctx = cl.contexts.random_walk(tiny, 2)
    got = ctx.conditional() * ctx.p_x[:, None]
    ref = cl.contexts.random_walk(bic.W4, 2)
    np.testing.assert_allclose(got, ref.conditional() * ref.p_x[:, None], rtol=1e-12)
    # complete graph on 4 nodes, two steps: stay with probability 1/3, move with 2/9 each
    np.testing.assert_allclose(got, (np.full((4, 4), 2 / 9) + np.eye(4) / 9) / 4, rtol=1e-12)
