"""Built-in offline data sets: scikit-learn's bundled digits, networkx's graphs, generated toys."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_int, check_rng, renamed_random_state


@dataclass(frozen=True)
class Digits:
    """The 8x8 handwritten digits bundled with scikit-learn.

    Attributes
    ----------
    X : ndarray, shape (n, 64)
        Pixel intensities scaled to [0, 1].
    y : ndarray, shape (n,)
        Digit labels 0..9.
    images : ndarray, shape (n, 8, 8)
    """

    X: np.ndarray
    y: np.ndarray
    images: np.ndarray


def load_digits(n: int | None = None, *, random_state: int = 0) -> Digits:
    """Digits (1,797 samples); ``n`` draws a stratified-free random subset with a seed.

    Parameters
    ----------
    n : int, optional
        Number of samples, 2 to 1,797, drawn without replacement; default all.
    random_state : int or numpy.random.Generator, default=0
        Seed of the subset.

    Returns
    -------
    Digits
        ``X`` (n, 64) pixel intensities in [0, 1], ``y`` (n,) labels 0-9, ``images``
        (n, 8, 8).

    Examples
    --------
    >>> import contexture_lab as cl
    >>> digits = cl.datasets.load_digits(100)
    >>> digits.X.shape, digits.y.shape, digits.images.shape
    ((100, 64), (100,), (100, 8, 8))
    """
    from sklearn.datasets import load_digits as _load

    rng = check_rng(random_state)
    data = _load()
    X = data.data / 16.0
    y = data.target
    if n is not None:
        n = check_int(n, "n", low=2, high=X.shape[0])
        idx = np.sort(rng.choice(X.shape[0], n, replace=False))
        X, y = X[idx], y[idx]
    return Digits(X=X, y=y, images=X.reshape(-1, 8, 8))


def karate_club():
    """Zachary's karate club, from networkx.

    Returns
    -------
    W : ndarray, shape (34, 34)
        The adjacency (78 edges, unweighted).
    clubs : ndarray of int, shape (34,)
        The club each member joined, 0 = Mr. Hi.
    """
    import networkx as nx

    g = nx.karate_club_graph()
    W = nx.to_numpy_array(g, nodelist=range(g.number_of_nodes()), weight=None)
    clubs = np.array([0 if g.nodes[i]["club"] == "Mr. Hi" else 1 for i in g.nodes])
    return W, clubs


def ring_graph(n: int) -> np.ndarray:
    """Adjacency of the cycle graph on n nodes.

    Parameters
    ----------
    n : int
        Number of nodes, >= 3.

    Returns
    -------
    ndarray, shape (n, n)

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.datasets.ring_graph(4)
    array([[0., 1., 0., 1.],
           [1., 0., 1., 0.],
           [0., 1., 0., 1.],
           [1., 0., 1., 0.]])
    """
    n = check_int(n, "n", low=3)
    W = np.zeros((n, n))
    i = np.arange(n)
    W[i, (i + 1) % n] = W[(i + 1) % n, i] = 1.0
    return W


def grid_graph(rows: int, cols: int) -> np.ndarray:
    """Adjacency of the 4-neighbour grid; node ``r * cols + c`` is row r, column c.

    Parameters
    ----------
    rows : int
        Number of rows, >= 1.
    cols : int
        Number of columns, >= 1.

    Returns
    -------
    ndarray, shape (rows * cols, rows * cols)

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.datasets.grid_graph(2, 2)
    array([[0., 1., 1., 0.],
           [1., 0., 0., 1.],
           [1., 0., 0., 1.],
           [0., 1., 1., 0.]])
    """
    rows = check_int(rows, "rows", low=1)
    cols = check_int(cols, "cols", low=1)
    n = rows * cols
    W = np.zeros((n, n))
    for r in range(rows):
        for c in range(cols):
            i = r * cols + c
            if c + 1 < cols:
                W[i, i + 1] = W[i + 1, i] = 1.0
            if r + 1 < rows:
                W[i, i + cols] = W[i + cols, i] = 1.0
    return W


def swiss_roll(n: int, *, noise: float = 0.05, random_state: int = 0) -> np.ndarray:
    """n points of scikit-learn's swiss roll: a smooth manifold for KNN tests.

    Parameters
    ----------
    n : int
        Number of points, >= 2.
    noise : float, default=0.05
        Standard deviation of the Gaussian noise.
    random_state : int, default=0
        Seed of the points.

    Returns
    -------
    ndarray, shape (n, 3)
    """
    from sklearn.datasets import make_swiss_roll

    n = check_int(n, "n", low=2)
    X, _ = make_swiss_roll(n, noise=noise, random_state=random_state)
    return X


@renamed_random_state("seed")
def graph_layout(W, *, random_state=0) -> np.ndarray:
    """2-D positions of a graph's nodes (networkx spring layout, seeded).

    Parameters
    ----------
    W : array-like or scipy.sparse matrix, shape (n, n)
        Adjacency of the graph.
    random_state : int or numpy.random.Generator, keyword-only, default=0
        Seed of the layout (``seed=`` is its deprecated old name).

    Returns
    -------
    ndarray, shape (n, 2)
    """
    import networkx as nx

    if isinstance(random_state, np.random.Generator):
        seed = int(random_state.integers(2 ** 32))
    else:
        check_rng(random_state)          # the same errors as everywhere else
        seed = int(random_state)
    g = nx.from_numpy_array(np.asarray(W.toarray() if hasattr(W, "toarray") else W))
    pos = nx.spring_layout(g, seed=seed)
    return np.array([pos[i] for i in range(g.number_of_nodes())])
