"""Exercises of notebook 09 (in-context learning of a graph by a real decoder)."""

import numpy as np

from . import as_array, call, compare_arrays, compare_numbers, register


def _grid_laplacian(a, b):
    """Combinatorial Laplacian D - W and adjacency W of the a x b grid (node r*b + c)."""
    from ..datasets import grid_graph

    W = grid_graph(a, b)
    return np.diag(W.sum(1)) - W, W


# ---------------------------------------------------------------------- 09.grid_spectrum
def _check_grid_spectrum(func):
    for a, b in ((4, 4), (2, 5), (3, 1)):
        L, _ = _grid_laplacian(a, b)
        expected = np.linalg.eigvalsh(L)           # independent: numerical eigenvalues
        got = np.sort(as_array(call(func, a, b), what="the eigenvalues").ravel())
        passed, message = compare_arrays(got, expected, atol=1e-8,
                                         what=f"Laplacian eigenvalues of the {a} x {b} grid")
        if not passed:
            return False, message
    return True, ("lambda_ij = (2 - 2 cos(pi i / a)) + (2 - 2 cos(pi j / b)): the 4 x 4 grid's "
                  "smallest non-zero value 2 - sqrt 2 appears twice (x and y), so only the "
                  "two-dimensional eigenspace is determined")


def _grid_spectrum_solution(a, b):
    i, j = np.arange(a)[:, None], np.arange(b)[None, :]
    return np.sort(((2 - 2 * np.cos(np.pi * i / a)) + (2 - 2 * np.cos(np.pi * j / b))).ravel())


register(
    "09.grid_spectrum",
    prompt="write grid_spectrum(a, b): the a*b eigenvalues (sorted) of the combinatorial "
           "Laplacian D - W of the a x b grid graph, in closed form",
    nudge="the a x b grid is the product of a path on a nodes and a path on b nodes, "
          "and a product graph's Laplacian eigenvalues are sums of one eigenvalue "
          "from each factor",
    hint="a path on m nodes has Laplacian eigenvalues 2 - 2 cos(pi k / m), k = "
         "0..m-1; form all a * b sums (broadcasting a column against a row), flatten "
         "and sort",
    checker=_check_grid_spectrum,
    solution=_grid_spectrum_solution,
    starter='''\
def grid_spectrum(a, b):
    return cl.exercises.TODO          # the a*b Laplacian eigenvalues of the a x b grid, sorted

cl.exercises.check("09.grid_spectrum", grid_spectrum)
''',
)


# ---------------------------------------------------------------------- 09.dirichlet_ratio
def _check_dirichlet_ratio(func):
    rng = np.random.default_rng(909)
    _, W = _grid_laplacian(4, 4)
    coords = np.array([[r, c] for r in range(4) for c in range(4)], dtype=float)
    cases = [(coords, W), (rng.normal(size=(16, 5)), W), (coords @ [[2, 1], [0, 3]] + 7, W)]
    for H, A in cases:
        edges = [(i, j) for i in range(16) for j in range(16) if A[i, j] > 0]
        pairs = [(i, j) for i in range(16) for j in range(16)]
        dist = lambda i, j, H=H: float(np.sum((H[i] - H[j]) ** 2))     # noqa: E731
        expected = (np.mean([dist(i, j) for i, j in edges])
                    / np.mean([dist(i, j) for i, j in pairs]))
        passed, message = compare_numbers(
            call(func, H, A), expected, atol=0.0, rtol=1e-8,
            what=f"the ratio for a representation of shape {H.shape} (mean squared distance "
                 "over edges / over all pairs)")
        if not passed:
            return False, message
    return True, ("the grid's own coordinates give a ratio well below 1; random points give "
                  "about 1")


def _dirichlet_ratio_solution(H, W):
    from contexture_lab.graph_signals import dirichlet_ratio

    return dirichlet_ratio(H, W)


register(
    "09.dirichlet_ratio",
    prompt="write dirichlet_ratio(H, W): the mean of |h_i - h_j|^2 over the edges of the "
           "graph W divided by its mean over all ordered pairs (i, j)",
    nudge="you need |h_i - h_j|^2 for every pair (i, j): an (n, n) matrix",
    hint="with that matrix D, the edge mean weights D by W and divides by the total "
         "weight of W; the all-pairs mean is the plain mean of D; |h_i - h_j|^2 = "
         "|h_i|^2 + |h_j|^2 - 2 <h_i, h_j> builds D without a loop",
    checker=_check_dirichlet_ratio,
    solution=_dirichlet_ratio_solution,
    starter='''\
def dirichlet_ratio(H, W):
    return cl.exercises.TODO          # edge mean of |h_i - h_j|^2 over all-pairs mean

cl.exercises.check("09.dirichlet_ratio", dirichlet_ratio)
''',
)
