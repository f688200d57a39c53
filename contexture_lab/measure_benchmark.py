"""Which similarity measure tells the truth? Measures ranked against the exact contexture.

For a finite context the top-d span of the expectation operator is known exactly, so the
*true distance* of any encoder Phi (a function on the N inputs) from it is known:

    D(Phi) = 1 - (1/d) sum_i cos^2 theta_i,

theta_i the d principal angles between span{mu_1..mu_d} and span{centred Phi} in L2(P_X)
(equivalently 1 - R2_CCA(Phi, mu) with the means and inner products of P_X, computed on all
N inputs). A similarity measure computed on n sampled rows of Phi and mu is good when it
ranks encoders as D does: this module scores every measure by the Spearman correlation of
its score with -D across a family of encoders, once per seed (:func:`benchmark`), and builds
the lab's reference families (:func:`encoder_family`) and contexts (:func:`default_contexts`).

Measures (:data:`MEASURES`; each also *calibrated* against its permutation null, the rows of
mu shuffled: ``(s - mean_null) / (1 - mean_null)``, chance-corrected like Cohen's kappa):
R2_CCA, SVCCA (99% variance), PWCCA (Morcos et al. 2018), linear CKA biased and debiased
(Song et al. 2012 unbiased HSIC), RBF CKA (median bandwidth), mutual k-NN and CKNNA (Huh et
al. 2024; cosine neighbours, k = 10), RSA (Spearman of correlation RDMs), Procrustes (as the
similarity 1 - d / sqrt 2) and distance correlation. Every measure reads the raw features
of each side in its own convention (see :mod:`contexture_lab.alignment`).

Run the shipped benchmark with ``python -m contexture_lab.explore.measure_benchmark --run``
(that layer reads the attention head's forward pass from :mod:`contexture_lab.pretrained`;
this module loads no model); it writes
``contexture_lab/data/measure_benchmark.json`` (read it with :func:`load_result`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import alignment as al
from ._threads import one_thread
from ._validation import as_float_array, check_int, check_rng, power_of_two_scale
from .association import distance_correlation

__all__ = [
    "MEASURES",
    "RESULT_PATH",
    "BenchmarkResult",
    "benchmark",
    "calibrate",
    "cknna",
    "default_contexts",
    "encoder_family",
    "invariance_table",
    "load_result",
    "pwcca",
    "random_network",
    "run_default",
    "score_all",
    "small_n_bias",
    "true_distance",
]

#: Where ``--run`` writes the shipped result.
RESULT_PATH = Path(__file__).resolve().parent / "data" / "measure_benchmark.json"

#: k of the neighbour measures (Huh et al. 2024 use k = 10), capped at n // 4.
K_NEIGHBOURS = 10


# ---------------------------------------------------------------------------- new measures
def pwcca(F, G) -> float:
    """Projection-weighted CCA (Morcos, Raghu and Bengio 2018), in [0, 1].

    Canonical correlations rho_i of the centred F and G, weighted by how much of the
    side with fewer columns (F on a tie, as in the authors' ``pwcca.py``) its canonical
    variate h_i (unit norm, in the span of that side) accounts for:
    ``alpha_i = sum_j |<h_i, x_j>|`` over that side's centred columns x_j, and
    PWCCA = sum_i alpha_i rho_i / sum_i alpha_i. Invariant to rotations and isotropic
    scaling of either side, and to any invertible map while the two spans coincide (every
    rho is 1); otherwise an invertible map changes the weights and the value. 0 for a
    constant side.

    Parameters
    ----------
    F : array-like, shape (n, p)
    G : array-like, shape (n, q)

    Returns
    -------
    float
    """
    F, G = al._unit_scale(*al._pair(F, G))
    Uf, Ug = al._orthonormal_basis(F), al._orthonormal_basis(G)
    if Uf.shape[1] == 0 or Ug.shape[1] == 0:
        return 0.0
    if Ug.shape[1] < Uf.shape[1]:
        F, G, Uf, Ug = G, F, Ug, Uf
    P, rho, _ = np.linalg.svd(Uf.T @ Ug, full_matrices=False)
    H = Uf @ P                                   # canonical variates of the narrower side
    X = F - F.mean(axis=0)
    weights = np.abs(H.T @ X).sum(axis=1)
    total = weights.sum()
    if total <= 0:
        return 0.0
    return float(np.clip(weights @ np.clip(rho, 0.0, 1.0) / total, 0.0, 1.0))


def _knn_mask(F, k):
    n = F.shape[0]
    mask = np.zeros((n, n), dtype=bool)
    mask[np.arange(n)[:, None], al.knn_indices(F, k)] = True
    return mask


def _normalised_rows(F):
    F = F / power_of_two_scale(F)
    norms = np.linalg.norm(F, axis=1, keepdims=True)
    return np.divide(F, norms, out=np.zeros_like(F), where=norms > 0)


def _hsic_song(K, L):
    """Unbiased HSIC in the explicit form of Song et al. (2012) as the CKNNA authors code it:
    (tr(K~ L~) + 1'K~1 1'L~1 / ((n-1)(n-2)) - 2 1'K~L~1 / (n-2)) / (n (n-3)), K~ = K with a
    zero diagonal. It equals :func:`contexture_lab.alignment.hsic` (debiased) for symmetric
    K, L; a k-NN mask makes them asymmetric, and then tr(K~ L~) is what the authors use."""
    n = K.shape[0]
    K, L = K.copy(), L.copy()
    np.fill_diagonal(K, 0.0)
    np.fill_diagonal(L, 0.0)
    value = (np.sum(K * L.T) + K.sum() * L.sum() / ((n - 1) * (n - 2))
             - 2.0 * np.sum(K @ L) / (n - 2))
    return float(value / (n * (n - 3)))


def cknna(F, G, k: int = 10) -> float:
    """Centred kernel nearest-neighbour alignment (Huh et al. 2024), in [-1, 1].

    Rows are L2-normalised and K = F F^T, L = G G^T (cosine kernels, as in the authors'
    ``metrics.py``); the mask keeps the pairs (i, j), j != i, where j is among the k
    nearest neighbours of i under *both* kernels; CKNNA = HSIC_u(mask K, mask L) /
    sqrt(HSIC_u(mask_K K, mask_K K) HSIC_u(mask_L L, mask_L L)) with the unbiased HSIC
    (Song et al. 2012) in the authors' explicit form (the masked kernels are not symmetric;
    see ``_hsic_song``), each self-term masked by that side's own neighbours. Returns 0 where
    a self-term is not positive (no neighbour structure), instead of the authors' 1e-6 guard.

    Parameters
    ----------
    F : array-like, shape (n, p)
    G : array-like, shape (n, q)
    k : int, default=10
        Neighbours per row, 1 <= k < n; n >= 4.

    Returns
    -------
    float
    """
    F, G = al._pair(F, G)
    k = check_int(k, "k", low=1)
    if F.shape[0] < 4:
        raise ValueError(f"CKNNA uses the unbiased HSIC and needs at least 4 rows, got "
                         f"{F.shape[0]}")
    Fn, Gn = _normalised_rows(F), _normalised_rows(G)
    K, L = Fn @ Fn.T, Gn @ Gn.T
    mk, ml = _knn_mask(Fn, k), _knn_mask(Gn, k)
    both = mk & ml
    kk = _hsic_song(K * mk, K * mk)
    ll = _hsic_song(L * ml, L * ml)
    if kk <= 0 or ll <= 0:
        return 0.0
    return float(np.clip(_hsic_song(K * both, L * both) / np.sqrt(kk * ll),
                         -1.0, 1.0))


# ---------------------------------------------------------------------------- the measures
def _k(n):
    return max(1, min(K_NEIGHBOURS, n // 4))


def _procrustes_similarity(F, G):
    return 1.0 - al.procrustes_distance(F, G) / np.sqrt(2.0)


def _rsa(F, G):
    # the correlation RDM needs >= 2 features; a 1-column side uses Euclidean distances
    metric = "correlation" if min(F.shape[1], G.shape[1]) >= 2 else "euclidean"
    try:
        return al.rsa(F, G, metric=metric)
    except ValueError:                     # a row without spread across its features
        return al.rsa(F, G, metric="euclidean")


#: name -> (callable(F, G) -> similarity, short description). Larger = more alike.
MEASURES = {
    "cca_r2": (al.cca_r2, "mean squared canonical correlation"),
    "svcca": (al.svcca, "CCA of the top SVD directions (99% variance), mean rho"),
    "pwcca": (pwcca, "projection-weighted CCA"),
    "linear_cka": (al.linear_cka, "linear CKA, biased HSIC"),
    "debiased_cka": (lambda F, G: al.linear_cka(F, G, debiased=True),
                     "linear CKA, unbiased HSIC"),
    "rbf_cka": (al.rbf_cka, "RBF CKA, median bandwidth"),
    "mutual_knn": (lambda F, G: al.mutual_knn(F, G, k=_k(F.shape[0])),
                   "mutual k-NN overlap, cosine, k = 10"),
    "cknna": (lambda F, G: cknna(F, G, k=_k(F.shape[0])), "CKNNA, k = 10"),
    "rsa": (_rsa, "Spearman of correlation RDMs"),
    "procrustes": (_procrustes_similarity, "1 - Procrustes distance / sqrt 2"),
    "distance_correlation": (distance_correlation, "distance correlation"),
}


def score_all(F, G, measures=None) -> dict:
    """Every measure of ``measures`` (names of :data:`MEASURES`, default all) on (F, G).

    Parameters
    ----------
    F : array-like, shape (n, p)
        One side's features, one row per input.
    G : array-like, shape (n, q)
        The other side's features on the same inputs, row for row.
    measures : sequence of str, optional
        Names in :data:`MEASURES`; default all of them.

    Returns
    -------
    dict of str to float
        Measure name -> similarity (larger = more alike), in the order asked.
    """
    names = list(MEASURES) if measures is None else list(measures)
    for name in names:
        if name not in MEASURES:
            raise ValueError(f"measures contains {name!r}; expected names in "
                             f"{sorted(MEASURES)}")
    return {name: float(MEASURES[name][0](F, G)) for name in names}


def calibrate(score: float, null_mean: float) -> float:
    """Chance-corrected score ``(score - null_mean) / (1 - null_mean)``: 0 at the permutation
    null's mean, 1 at the measure's maximum (1 for every measure of :data:`MEASURES`).

    Parameters
    ----------
    score : float
        The measure's raw score.
    null_mean : float
        Its mean over permutations of one side's rows.

    Returns
    -------
    float
        The calibrated score; 0.0 when the null mean is within 1e-12 of 1 (nothing is left
        to tell apart).
    """
    gap = 1.0 - null_mean
    return float((score - null_mean) / gap) if gap > 1e-12 else 0.0


# ---------------------------------------------------------------------------- true distance
def _weighted_basis(F, p_x, rtol=1e-10):
    """Orthonormal basis, in L2(P_X), of the P_X-centred columns of F (as rows * sqrt p)."""
    Fc = F - p_x @ F
    U, s, _ = np.linalg.svd(np.sqrt(p_x)[:, None] * Fc, full_matrices=False)
    if s.size == 0 or s[0] <= 0:
        return U[:, :0]
    return U[:, s > rtol * s[0]]


def true_distance(F, mu, p_x) -> float:
    """1 - (1/d) sum_i cos^2 theta_i: the exact distance of span(F) from span(mu) in L2(P_X).

    Parameters
    ----------
    F : array-like, shape (N, p)
        The encoder on all N inputs.
    mu : array-like, shape (N, d)
        The exact top-d functions (orthonormal, mean 0 in L2(P_X)).
    p_x : array-like, shape (N,)

    Returns
    -------
    float in [0, 1]; 0 iff span(mu) lies in span(centred F).
    """
    F = as_float_array(F, "F", ndim=2)
    mu = as_float_array(mu, "mu", ndim=2)
    p_x = as_float_array(p_x, "p_x", ndim=1)
    if F.shape[0] != mu.shape[0] or p_x.shape[0] != mu.shape[0]:
        raise ValueError(f"F has {F.shape[0]} rows, mu {mu.shape[0]} and p_x {p_x.shape[0]}; "
                         "expected one row per input of the context")
    Q = _weighted_basis(F, p_x)
    M = _weighted_basis(mu, p_x)
    if Q.shape[1] == 0:
        return 1.0
    cos = np.clip(np.linalg.svd(M.T @ Q, compute_uv=False), 0.0, 1.0)
    return float(np.clip(1.0 - np.sum(cos ** 2) / mu.shape[1], 0.0, 1.0))


# ---------------------------------------------------------------------------- encoders
def random_network(X, width: int, depth: int, *, random_state=0) -> np.ndarray:
    """A random ReLU network's last layer on the rows of X: He-initialised, standardised input.

    Parameters
    ----------
    X : array-like, shape (n, p)
        Inputs; each column is standardised (a constant column is only centred).
    width : int
        Units per layer (>= 1).
    depth : int
        Number of layers (>= 1).
    random_state : int or numpy.random.Generator, default=0
        Draws the weights (normal, variance 2 / fan-in) and biases (normal, sd 0.1).

    Returns
    -------
    ndarray, shape (n, width)
        The last layer's activations.
    """
    X = as_float_array(X, "X", ndim=2)
    width = check_int(width, "width", low=1)
    depth = check_int(depth, "depth", low=1)
    rng = check_rng(random_state)
    sd = X.std(axis=0)
    H = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    for _ in range(depth):
        W = rng.normal(scale=np.sqrt(2.0 / H.shape[1]), size=(H.shape[1], width))
        H = np.maximum(H @ W + rng.normal(scale=0.1, size=width), 0.0)
    return H


def _invertible_maps(mu, rng):
    """The exact functions under maps that keep (linear) or bend (elementwise) their span."""
    d = mu.shape[1]
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    scales = np.geomspace(1.0, 30.0, d)
    A = rng.normal(size=(d, d)) + 2 * np.eye(d)
    z = mu / mu.std(axis=0)
    return {
        "identity": mu,
        "rotation": mu @ Q,
        "isotropic scale x7": 7.0 * mu,
        "offset": mu + 3.0,
        "anisotropic scale (1..30)": mu * scales,
        "invertible linear": mu @ A,
        "rotation + pad 4 zero-var": np.hstack([mu @ Q, np.zeros((mu.shape[0], 4))]),
        "cube (elementwise)": z ** 3,
        "tanh (elementwise)": np.tanh(2 * z),
    }


def encoder_family(ctx, result, *, random_state=0, epochs=(1, 2, 4, 8),
                   widths=(4, 16, 64), depths=(1, 3), angles=(0, 15, 30, 45, 60, 75, 90),
                   train=True) -> dict:
    """The lab's reference encoders of a context, each a feature matrix on its N inputs.

    Families (keys prefixed ``"family/name"``): ``invariance`` (the exact functions under
    rotations, scalings, offsets, invertible linear and elementwise maps), ``angle`` (each
    mu_i rotated towards mu_{d+i} by a controlled principal angle, true distance sin^2),
    ``trained`` (:func:`contexture_lab.fit_encoder`, spectral contrastive, for growing
    epochs), ``random`` (:func:`random_network` of growing width and depth on the context's
    x_features).

    Parameters
    ----------
    ctx : Context
        With ``x_features`` for the trained and random families.
    result : Contexture
        At least 2d functions (``result.left``); the first d define the target span.
    random_state : int or numpy.random.Generator, default=0
        Draws the invariance maps, the training seed and the random networks.
    epochs : sequence of int, default=(1, 2, 4, 8)
        Training epochs of the ``trained`` family, one encoder each.
    widths : sequence of int, default=(4, 16, 64)
        Widths of the ``random`` family.
    depths : sequence of int, default=(1, 3)
        Depths of the ``random`` family (every width at every depth).
    angles : sequence of int, default=(0, 15, 30, 45, 60, 75, 90)
        Principal angles in degrees of the ``angle`` family.
    train : bool, default=True
        Build the ``trained`` family (the slowest); ``False`` leaves it out.

    Returns
    -------
    dict of str to ndarray, shape (N, p)
        ``"family/name"`` -> the encoder's features on the context's N inputs.
    """
    rng = check_rng(random_state)
    left = result.left
    d = left.shape[1] // 2
    mu, low = left[:, :d], left[:, d:2 * d]
    out = {f"invariance/{k}": v for k, v in _invertible_maps(mu, rng).items()}
    for a in angles:
        t = np.deg2rad(a)
        out[f"angle/{a:02d} deg"] = np.cos(t) * mu + np.sin(t) * low
    X = None if ctx is None else ctx.x_features
    if X is not None and train:
        from .training import fit_encoder

        seed = int(rng.integers(2 ** 31))
        for e in epochs:
            enc = fit_encoder(ctx, "spectral_contrastive", d, epochs=int(e), progress=False,
                              device="cpu", hidden=(64, 64), random_state=seed)
            out[f"trained/{e} epochs"] = np.asarray(enc.transform(X), dtype=float)
    if X is not None:
        for depth in depths:
            for width in widths:
                out[f"random/w{width} L{depth}"] = random_network(
                    X, width, depth, random_state=rng.integers(2 ** 31))
    return out


# ---------------------------------------------------------------------------- benchmark
@dataclass
class BenchmarkResult:
    """What :func:`benchmark` found.

    Attributes
    ----------
    encoders : list of str
    measures : list of str
        Raw names, then ``"<name> (calibrated)"``.
    distance : ndarray, shape (n_encoders,)
        The exact distance of each encoder (seed-independent).
    scores : ndarray, shape (n_seeds, n_encoders, n_measures)
    spearman : ndarray, shape (n_seeds, n_measures)
        Spearman correlation of each measure's score with -distance over the encoders.
    n_rows : int
        Rows drawn per seed.
    meta : dict, default={}
        How it was run (``seeds``, ``n_permutations``; the shipped result adds the
        context's name, N, d and singular values).
    """

    encoders: list
    measures: list
    distance: np.ndarray
    scores: np.ndarray
    spearman: np.ndarray
    n_rows: int
    meta: dict = field(default_factory=dict)

    def ranking(self, *, confidence: float = 0.95) -> list:
        """The measures by their mean Spearman correlation over seeds, best first.

        Parameters
        ----------
        confidence : float, default=0.95
            Level of each estimate's interval.

        Returns
        -------
        list of tuple
            ``(measure, estimate)`` pairs, ``estimate`` the
            :func:`contexture_lab.evidence.estimate` of that measure's Spearman
            correlations over seeds.
        """
        from .evidence import estimate

        rows = [(m, estimate(self.spearman[:, j], confidence=confidence))
                for j, m in enumerate(self.measures)]
        return sorted(rows, key=lambda r: -r[1].mean)

    def to_dict(self) -> dict:
        """The result as JSON-ready Python objects (arrays as nested lists).

        Returns
        -------
        dict
            One key per field; :meth:`from_dict` reads it back.
        """
        return {"encoders": list(self.encoders), "measures": list(self.measures),
                "distance": self.distance.tolist(), "scores": self.scores.tolist(),
                "spearman": self.spearman.tolist(), "n_rows": self.n_rows,
                "meta": self.meta}

    @classmethod
    def from_dict(cls, data: dict) -> BenchmarkResult:
        """A result from :meth:`to_dict`'s output (e.g. read from JSON).

        Parameters
        ----------
        data : dict
            With every field's key (``meta`` included); lists become arrays.

        Returns
        -------
        BenchmarkResult
        """
        return cls(list(data["encoders"]), list(data["measures"]),
                   np.asarray(data["distance"]), np.asarray(data["scores"]),
                   np.asarray(data["spearman"]), int(data["n_rows"]), dict(data["meta"]))


def _reference(mu, p_x, d):
    """(mu (N, d), p_x or None) from an array, a Contexture or a Context."""
    from .context import Context
    from .spectrum import Contexture, contexture

    if isinstance(mu, Context):
        if d is None:
            raise ValueError("mu is a Context: pass d, the dimension of the target span")
        mu = contexture(mu, check_int(d, "d", low=1))
    if isinstance(mu, Contexture):
        k = mu.left.shape[1] if d is None else check_int(d, "d", low=1, high=mu.left.shape[1])
        return mu.left[:, :k], (mu.p_x if p_x is None else p_x)
    mu = as_float_array(mu, "mu", ndim=2)
    if d is not None:
        mu = mu[:, :check_int(d, "d", low=1, high=mu.shape[1])]
    return mu, p_x


def benchmark(encoders: dict, mu, p_x=None, *, d: int | None = None, n_rows: int = 200,
              seeds=(0, 1, 2), n_permutations: int = 10, measures=None) -> BenchmarkResult:
    """Rank similarity measures by how well their scores follow the exact distance.

    For each seed: n_rows inputs are drawn from P_X (without replacement); every measure
    compares each encoder's rows with the rows of mu, and again after ``n_permutations``
    shuffles of mu's rows (its null, for the calibrated score); its Spearman correlation
    with -distance over the encoders is that seed's grade (1: it orders the encoders
    exactly as the exact distance does).

    Parameters
    ----------
    encoders : dict of str to array-like (N, p)
        Each encoder evaluated on the N inputs of the context (at least 3 encoders).
    mu : array-like (N, d), Contexture or Context
        The exact top-d functions (``cl.contexture(ctx, d).left``); or a
        :class:`~contexture_lab.Contexture` (its first ``d`` functions and its ``p_x``); or a
        :class:`~contexture_lab.Context` (its top-``d`` contexture is computed; ``d``
        required).
    p_x : array-like, shape (N,), optional
        The input marginal; default uniform (or the Contexture's / Context's own).
    d : int, optional
        How many top functions define the target span when ``mu`` is a Contexture (default
        all of them) or a Context (required).
    n_rows : int, default=200
        Rows per seed (all N when N is smaller).
    seeds : sequence of int, default=(0, 1, 2)
        At least 2 for an interval.
    n_permutations : int, default=10
    measures : sequence of str, optional
        Names in :data:`MEASURES`; default all.

    Returns
    -------
    BenchmarkResult

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> ctx = cl.contexts.knn(cl.datasets.load_digits(150).X, 8)
    >>> mu = cl.contexture(ctx, 2).left
    >>> rng = np.random.default_rng(0)
    >>> enc = {f"noise {s}": mu + s * rng.normal(size=mu.shape) for s in (0.1, 1.0, 10.0)}
    >>> r = cl.measure_benchmark.benchmark(enc, mu, n_rows=100, seeds=(0, 1),
    ...                                    n_permutations=2, measures=["cca_r2"])
    >>> r.ranking()[0][0], round(float(r.spearman[0, 0]), 6)
    ('cca_r2', 1.0)
    """
    mu, p_x = _reference(mu, p_x, d)
    N = mu.shape[0]
    p_x = np.full(N, 1.0 / N) if p_x is None else as_float_array(p_x, "p_x", ndim=1)
    if p_x.shape != (N,):
        raise ValueError(f"p_x has shape {p_x.shape}; expected ({N},), one per row of mu")
    if not isinstance(encoders, dict) or len(encoders) < 3:
        raise ValueError("encoders must be a dict of at least 3 named feature matrices (a "
                         "Spearman correlation over fewer is meaningless)")
    names = list(MEASURES) if measures is None else list(measures)
    for name in names:
        if name not in MEASURES:
            raise ValueError(f"measures contains {name!r}; expected names in {sorted(MEASURES)}")
    feats = {}
    for key, F in encoders.items():
        F = as_float_array(F, f"encoders[{key!r}]", ndim=(1, 2))
        F = F[:, None] if F.ndim == 1 else F
        if F.shape[0] != N:
            raise ValueError(f"encoders[{key!r}] has {F.shape[0]} rows; expected {N} (one per "
                             "input of the context, like mu)")
        feats[key] = F
    seeds = list(seeds)
    if len(seeds) < 2:
        raise ValueError(f"seeds has {len(seeds)} entr(ies); an interval needs at least 2")
    n_rows = min(check_int(n_rows, "n_rows", low=8), N)
    n_permutations = check_int(n_permutations, "n_permutations", low=1)
    dist = np.array([true_distance(F, mu, p_x) for F in feats.values()])
    all_names = names + [f"{m} (calibrated)" for m in names]
    scores = np.zeros((len(seeds), len(feats), len(all_names)))
    spear = np.zeros((len(seeds), len(all_names)))
    with one_thread():
        for s, seed in enumerate(seeds):
            rng = np.random.default_rng(seed)
            rows = np.sort(rng.choice(N, n_rows, replace=False, p=p_x))
            G = mu[rows]
            perms = [rng.permutation(n_rows) for _ in range(n_permutations)]
            for e, F in enumerate(feats.values()):
                Fr = F[rows]
                raw = score_all(Fr, G, names)
                nulls = [score_all(Fr, G[p], names) for p in perms]
                for j, m in enumerate(names):
                    scores[s, e, j] = raw[m]
                    null_mean = float(np.mean([nl[m] for nl in nulls]))
                    scores[s, e, len(names) + j] = calibrate(raw[m], null_mean)
            for j in range(len(all_names)):
                spear[s, j] = al._spearman(scores[s, :, j], -dist)
    return BenchmarkResult(list(feats), all_names, dist, scores, spear, n_rows,
                           {"seeds": seeds, "n_permutations": n_permutations})


def invariance_table(result: BenchmarkResult, *, tol: float = 0.02) -> dict:
    """Which invariance family members each measure scores like the identity.

    Parameters
    ----------
    result : BenchmarkResult
        A benchmark of an :func:`encoder_family` (its ``invariance/...`` encoders,
        ``invariance/identity`` among them).
    tol : float, default=0.02
        Largest difference of mean scores that counts as the same.

    Returns
    -------
    dict of str to dict of str to tuple
        Measure -> map name -> ``(mean score, mean identity score, kept)`` over seeds;
        ``kept`` (bool) when the two differ by at most ``tol``.
    """
    keys = [k for k in result.encoders if k.startswith("invariance/")]
    ident = result.encoders.index("invariance/identity")
    out = {}
    for j, m in enumerate(result.measures):
        base = float(result.scores[:, ident, j].mean())
        row = {}
        for key in keys:
            i = result.encoders.index(key)
            v = float(result.scores[:, i, j].mean())
            row[key.split("/", 1)[1]] = (v, base, abs(v - base) <= tol)
        out[m] = row
    return out


# ---------------------------------------------------------------------------- small-n bias
def small_n_bias(ns=(32, 64, 128, 256, 512, 1024), dims=(10, 100), *, reps: int = 10,
                 random_state=0) -> dict:
    """Biased and debiased linear CKA of two independent Gaussian samples (n, p) each.

    Parameters
    ----------
    ns : sequence of int, default=(32, 64, 128, 256, 512, 1024)
        Sample sizes n.
    dims : sequence of int, default=(10, 100)
        Dimensions p of each sample.
    reps : int, default=10
        Draws per (p, n), at least 2.
    random_state : int or numpy.random.Generator, default=0
        Draws the samples.

    Returns
    -------
    dict
        ``"ns"`` and ``"dims"`` (lists), ``"biased"`` and ``"debiased"`` (ndarrays of
        shape (len(dims), len(ns), reps)). The population value is 0; the biased
        estimator sits above it.
    """
    rng = check_rng(random_state)
    reps = check_int(reps, "reps", low=2)
    b = np.zeros((len(dims), len(ns), reps))
    u = np.zeros_like(b)
    for i, p in enumerate(dims):
        for j, n in enumerate(ns):
            for r in range(reps):
                X, Y = rng.normal(size=(n, p)), rng.normal(size=(n, p))
                b[i, j, r] = al.linear_cka(X, Y)
                u[i, j, r] = al.linear_cka(X, Y, debiased=True)
    return {"ns": list(ns), "dims": list(dims), "biased": b, "debiased": u}


# ---------------------------------------------------------------------------- contexts
def default_contexts(forward, *, d: int = 4, digits_n: int = 400, tabular: str = "breast-w",
                     head_text: int = 3, head_d: int = 3) -> dict:
    """The three reference contexts: name -> (Context with x_features, Contexture of 2d).

    ``digits``: :func:`contexture_lab.contexts.knn` (k = 10) on ``digits_n`` digits;
    ``tabular``: the same on the standardised rows of a replication set; ``head``: the head
    (layers >= 1) with the largest relative gap s_d - s_{d+1} on text ``head_text`` of
    ``forward``, its x_features the hidden states entering that layer.

    Parameters
    ----------
    forward : object
        A forward pass with ``attentions`` (texts, layers, heads, T, T), ``states``
        (texts, layers + 1, T, dim) and ``lengths`` (texts,), e.g.
        ``cl.pretrained.forward("minilm-l6", texts, attentions=True, states=True)``
        (model-free here: core does not load models).
    d : int, default=4
        Target dimension of the digits and tabular contexts (their contextures keep 2d
        functions).
    digits_n : int, default=400
        Digits drawn for the ``digits`` context.
    tabular : str, default="breast-w"
        Name of the replication data set (:func:`contexture_lab.datasets.load_tabular`).
    head_text : int, default=3
        Index of the text of ``forward`` whose heads are searched.
    head_d : int, default=3
        Target dimension of the ``head`` context (the gap is taken at it).

    Returns
    -------
    dict of str to tuple
        ``"digits"``, ``"tabular"``, ``"head"`` -> ``(Context, Contexture)``.
    """
    from . import contexts, datasets
    from .heads import head_context
    from .spectrum import contexture

    out = {}
    X = datasets.load_digits(digits_n).X
    ctx = contexts.knn(X, 10)
    out["digits"] = (ctx, contexture(ctx, 2 * d))
    T = datasets.load_tabular(tabular).X
    T = (T - T.mean(axis=0)) / np.where(T.std(axis=0) > 0, T.std(axis=0), 1.0)
    ctx = contexts.knn(T, 10)
    out["tabular"] = (ctx, contexture(ctx, 2 * d, on_degenerate="ignore"))
    att = np.asarray(forward.attentions[head_text], dtype=float)
    t = int(forward.lengths[head_text])
    best = None
    for layer in range(1, att.shape[0]):
        for h in range(att.shape[1]):
            c = head_context(att[layer, h], t)
            s = contexture(c, 2 * head_d + 1, on_degenerate="ignore").singular_values
            gap = (s[head_d - 1] - s[head_d]) / s[0]
            if best is None or gap > best[0] + 1e-12:
                best = (gap, layer, h)
    _, layer, h = best
    ctx = head_context(att[layer, h], t, name=f"layer {layer} head {h}").with_features(
        x_features=np.asarray(forward.states[head_text, layer, :t], dtype=float))
    out["head"] = (ctx, contexture(ctx, 2 * head_d, on_degenerate="ignore"))
    return out


def run_default(forward, *, seeds=(0, 1, 2), n_rows: int = 200, n_permutations: int = 8,
                path=None, quick: bool = False, log=print) -> dict:
    """The shipped benchmark: three contexts, all families, all measures, small-n bias.

    Writes JSON to ``path`` and returns its content.

    Parameters
    ----------
    forward : object
        The forward pass of :func:`default_contexts`; the command
        ``python -m contexture_lab.explore.measure_benchmark --run`` supplies MiniLM-L6's.
    seeds : sequence of int, default=(0, 1, 2)
        Family seeds; each is benchmarked on two row draws (``seed`` and ``seed + 1000``).
    n_rows : int, default=200
        Rows per draw.
    n_permutations : int, default=8
        Permutations of the null per draw.
    path : str or path-like, optional
        Where to write; default :data:`RESULT_PATH`.
    quick : bool, default=False
        Fewer training epochs and small-n repetitions (a smoke run).
    log : callable, default=print
        Called with a progress line after each seed and at the end.

    Returns
    -------
    dict
        ``"settings"``, ``"contexts"`` (name -> :meth:`BenchmarkResult.to_dict`),
        ``"small_n_bias"`` (lists) and ``"seconds"``.
    """
    t0 = time.time()
    out = {"settings": {"seeds": list(seeds), "n_rows": n_rows,
                        "n_permutations": n_permutations, "quick": quick}, "contexts": {}}
    for name, (ctx, res) in default_contexts(forward).items():
        per_seed = []
        for seed in seeds:
            fam = encoder_family(ctx, res, random_state=seed,
                                 epochs=(1, 4) if quick else (1, 2, 4, 8),
                                 widths=(4, 16, 64), depths=(1, 3))
            d = res.left.shape[1] // 2
            per_seed.append(benchmark(fam, res.left[:, :d], res.p_x, n_rows=n_rows,
                                      seeds=(seed, seed + 1000),
                                      n_permutations=n_permutations))
            log(f"{name} seed {seed}: {time.time() - t0:.0f} s")
        # one row per (family seed, row seed): both vary the draw
        first = per_seed[0]
        merged = BenchmarkResult(
            first.encoders, first.measures,
            np.stack([r.distance for r in per_seed]),
            np.concatenate([r.scores for r in per_seed]),
            np.concatenate([r.spearman for r in per_seed]), first.n_rows,
            {"context": ctx.name, "N": int(ctx.shape[0]), "d": int(res.left.shape[1] // 2),
             "singular_values": res.singular_values.tolist()})
        out["contexts"][name] = merged.to_dict()
    bias = small_n_bias(reps=5 if quick else 40)
    out["small_n_bias"] = {k: (v.tolist() if isinstance(v, np.ndarray) else v)
                           for k, v in bias.items()}
    out["seconds"] = round(time.time() - t0, 1)
    path = RESULT_PATH if path is None else Path(path)
    path.write_text(json.dumps(out, indent=None, separators=(",", ":")))
    log(f"wrote {path} in {out['seconds']} s")
    return out


def load_result(path=None) -> dict:
    """The shipped result (:func:`run_default`'s JSON) with arrays as numpy arrays.

    Parameters
    ----------
    path : str or path-like, optional
        The JSON file; default :data:`RESULT_PATH`.

    Returns
    -------
    dict
        ``"contexts"`` (name -> :class:`BenchmarkResult`; its ``distance`` is one row
        per family seed), ``"small_n_bias"`` (``biased``/``debiased`` as arrays),
        ``"settings"`` and ``"seconds"``.
    """
    data = json.loads((RESULT_PATH if path is None else Path(path)).read_text())
    data["contexts"] = {k: BenchmarkResult.from_dict(v) for k, v in data["contexts"].items()}
    data["small_n_bias"] = {k: (np.asarray(v) if k in ("biased", "debiased") else v)
                            for k, v in data["small_n_bias"].items()}
    return data
