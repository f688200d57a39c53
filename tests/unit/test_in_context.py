"""Tests of contexture_lab.in_context: walks of tokens and in-context graph learning."""

import bad_input_checks as bic
import numpy as np
import pytest
from bad_input_checks import bad_input_tests

import contexture_lab as cl
from contexture_lab import in_context as ic


def test_random_walk_tokens_follow_edges_and_are_seeded():
    W = cl.datasets.grid_graph(3, 4)
    walk = ic.random_walk_tokens(W, 200, 0)
    assert np.all(W[walk[:-1], walk[1:]] == 1)
    np.testing.assert_array_equal(walk, ic.random_walk_tokens(W, 200, 0))
    assert ic.random_walk_tokens(W, 5, 0, start=7)[0] == 7


def test_walk_context_counts_pairs_within_the_window():
    ctx = ic.walk_context(np.array([0, 1, 2]), 3, window=1, smoothing=9e-9)
    counts = np.array([[2, 1, 0], [1, 2, 1], [0, 1, 2]], float)   # self pairs count twice
    np.testing.assert_allclose(ctx.P, counts / counts.sum(), atol=1e-9)


def test_graph_eigenvectors_solve_the_random_walk_eigenproblem():
    W = cl.datasets.grid_graph(3, 5)
    lam, V = ic.graph_eigenvectors(W, 3)
    deg = W.sum(axis=1)
    ev = np.sort(np.linalg.eigvals(W / deg[:, None]).real)[::-1]
    np.testing.assert_allclose(lam, ev[1:4], atol=1e-10)
    np.testing.assert_allclose((W / deg[:, None]) @ V, V * lam, atol=1e-10)
    pi = deg / deg.sum()
    np.testing.assert_allclose(V.T @ (pi[:, None] * V), np.eye(3), atol=1e-10)


def test_long_walks_recover_the_graph_eigenvectors():
    W = cl.datasets.grid_graph(4, 4)
    res = ic.graph_learning(W, [5, 20000], d=2, random_state=0)
    assert res.layouts.shape == (2, 16, 2)
    assert res.visited[0] <= 5 and res.visited[1] == 16
    assert res.alignment[0] < 0.6 < 0.99 < res.alignment[1]


def test_aligned_layouts_depend_on_spans_only():
    W = cl.datasets.grid_graph(4, 4)
    lam, _ = ic.graph_eigenvectors(W, 3)
    assert lam[0] - lam[1] < 1e-12 < lam[1] - lam[2]       # a tied pair, closed at d = 2
    res = ic.graph_learning(W, [40, 3000], d=2, random_state=0)
    with cl.scrambled(5):
        rot = ic.graph_learning(W, [40, 3000], d=2, random_state=0)
    assert np.abs(res.graph_layout - rot.graph_layout).max() > 0.1   # the basis moved
    np.testing.assert_allclose(rot.alignment, res.alignment, atol=1e-10)
    (L, G), (L2, G2) = res.aligned_layouts(), rot.aligned_layouts()
    np.testing.assert_allclose(G2, G, atol=1e-10)
    np.testing.assert_allclose(L2, L, atol=1e-10)
    # an orthogonal map: same Gram matrix, and G is the graph layout rotated towards the
    # longest walk's (no other rotation of the graph layout is closer to it)
    np.testing.assert_allclose(G @ G.T, res.graph_layout @ res.graph_layout.T, atol=1e-10)
    for theta in np.linspace(0, 2 * np.pi, 13):
        c, s = np.cos(theta), np.sin(theta)
        for R in (np.array([[c, -s], [s, c]]), np.array([[c, s], [s, -c]])):
            other = G @ R
            assert (np.linalg.norm(G - res.layouts[1])
                    <= np.linalg.norm(other - res.layouts[1]) + 1e-12)
    for k in range(2):
        np.testing.assert_allclose(L[k] @ L[k].T, res.layouts[k] @ res.layouts[k].T, atol=1e-10)


def test_bad_input():
    with pytest.raises(ValueError, match=r"expected indices in \[0, 2\]"):
        ic.walk_context(np.array([0, 3]), 3)
    W = cl.datasets.grid_graph(2, 2)
    with pytest.raises(ValueError, match=r"features has shape \(3, 2\); expected \(4, p\)"):
        ic.neighbour_mixing(W, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="expected \\(T, n\\), \\(T,\\) and \\(n, n\\)"):
        ic.valid_next_probability(np.zeros((3, 4)), np.zeros(2, dtype=int), W)


def test_neighbour_mixing_scales_each_walk_eigenvector_by_one_plus_its_eigenvalue():
    # T = D^-1 W has right eigenvectors U (graph_eigenvectors): (I + T) U = U (1 + lambda)
    W = cl.datasets.grid_graph(3, 4)
    lam, U = ic.graph_eigenvectors(W, 5)
    np.testing.assert_allclose(ic.neighbour_mixing(W, U, rounds=2), U * (1 + lam) ** 2,
                               atol=1e-12)
    np.testing.assert_allclose(ic.neighbour_mixing(W, U, self_weight=0.0), U * lam, atol=1e-12)
    X = np.random.default_rng(0).normal(size=(12, 3))
    np.testing.assert_allclose(ic.neighbour_mixing(W, X, rounds=0), X)
    # by hand at one node: the corner 0 of the 3 x 4 grid has neighbours 1 and 4
    np.testing.assert_allclose(ic.neighbour_mixing(W, X)[0], X[0] + (X[1] + X[4]) / 2)


def test_mixing_alignment_is_the_pc_alignment_of_the_same_draws():
    W = cl.datasets.grid_graph(4, 4)
    got = ic.mixing_alignment(W, dim=40, n_draws=3, rounds=(0, 1), random_state=5)
    _, U = ic.graph_eigenvectors(W, 2)
    rng = np.random.default_rng(5)
    for i in range(3):
        X = rng.standard_normal((16, 40))
        for j, r in enumerate((0, 1)):
            H = ic.neighbour_mixing(W, X, rounds=r)
            h = H - H.mean(0)
            top = h @ np.linalg.eigh(h.T @ h)[1][:, ::-1][:, :2]
            assert got[i, j] == pytest.approx(cl.alignment.cca_r2(top, U), abs=1e-9)
    lazy = ic.mixing_alignment(W, dim=40, n_draws=3, rounds=(1,), self_weight=0.0,
                               random_state=5)
    assert lazy.shape == (3, 1)


def test_valid_next_probability_sums_the_neighbours_mass():
    W = cl.datasets.grid_graph(2, 2)          # 0-1, 0-2, 1-3, 2-3
    P = np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.0, 0.25, 0.125]])
    got = ic.valid_next_probability(P, np.array([0, 1]), W)
    np.testing.assert_allclose(got, [0.2 + 0.3, 0.5 + 0.125])


# ---------------------------------------------------------------------- bad input (tables)
COMMON = {
    "graph_eigenvectors": lambda a: ic.graph_eigenvectors(a(bic.W5), 2),
    "random_walk_tokens": lambda a: ic.random_walk_tokens(a(bic.W5), 5),
}


_, test_common_checks = bad_input_tests((), COMMON)



def test_graph_learning_with_empty_lengths():
    W = np.ones((5, 5)) - np.eye(5)
    with pytest.raises(ValueError, match="lengths is empty; expected at least one prefix"):
        ic.graph_learning(W, [])
