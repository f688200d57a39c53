"""Evaluate a list of contexts on a user's data: label-free measures and downstream error.

The protocol of [ICML] Table 1, for any ``(X, y)``: each context is decomposed exactly
(the encoder is its top-d left singular functions mu_1..mu_d, the exact kernel-PCA
eigenfunctions), its spectrum gives the label-free measures (tau with beta = 1 and
d0 = 512 by default, the decay rate, the effective dimension, optionally the kernel
deviation), and a ridge probe on mu_1..mu_d predicts the labels on held-out rows for
each d of a grid. err_d is the mean test error over random splits; err_d* = min_d err_d
(the error at the best d, as [ICML] takes it) with its spread over the splits at that d.
Across contexts, :func:`correlate` reports Pearson's r and the distance correlation
between tau and err_d* (the two numbers of [ICML] Table 1).

Choosing d on the test error makes err_d* optimistic; it is what the source reports, and
the same choice for every context keeps the comparison between contexts fair.

Where a d of the grid cuts a cluster of equal singular values (s_d = s_{d+1}), the top-d
functions are one arbitrary basis of that cluster and err_d is not determined by the maths
(THEORY.md section 1, "Repeated singular values"). This happens at the strong extreme, a
context that is almost A = X (a tiny RBF bandwidth, k = 1 on points with no shared
neighbours): all its singular values are (numerically) 1. Such a context's tau is large or
infinite and its error near chance whatever the basis, but its digits may differ between
machines; ``ContextScore.singular_values`` shows the clusters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import association, degeneracy
from ._validation import check_float, check_int, check_rng
from .context import Context, check_context
from .probe import fit_ridge, predict_classes

#: The default grid of d (powers of two, cut at what a context and the split allow).
D_GRID = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
#: Seeded bases of a cluster averaged over where a d cuts it (as the explorers do).
N_BASES = 5


@dataclass(frozen=True)
class ContextScore:
    """One context's measures and errors (a row of :class:`Evaluation`).

    Attributes
    ----------
    name : str
    singular_values : ndarray, shape (k,)
        s_1..s_k (s_0 = 1 excluded), k = min(d0, n - 1).
    tau : float
        tau (beta, d0) of :func:`contexture_lab.association.tau`; inf or nan at an extreme.
    tau_d : int
        Its arg-min d (-1 at an extreme).
    decay_rate, effective_dimension : float
    kernel_deviation : float
        nan unless asked for.
    ds : ndarray of int, shape (D,)
    errors : ndarray, shape (n_splits, D)
        Test error (0-1) of the probe on mu_1..mu_d for each split and d; at a d that
        cuts a cluster of equal singular values, the mean over :data:`N_BASES` seeded
        bases of the cluster (:func:`contexture_lab.degeneracy.cluster_bases`).
    split : ndarray of bool, shape (D,), optional
        Which d cut a cluster of equal singular values (its error is a mean over bases).
    """

    name: str
    singular_values: np.ndarray
    tau: float
    tau_d: int
    decay_rate: float
    effective_dimension: float
    kernel_deviation: float
    ds: np.ndarray
    errors: np.ndarray
    split: np.ndarray | None = None

    @property
    def err(self) -> np.ndarray:
        """err_d: mean test error over splits, shape (D,)."""
        return self.errors.mean(axis=0)

    @property
    def best_d(self) -> int:
        """The d of the lowest err_d (the smallest such d on a tie)."""
        return int(self.ds[int(np.argmin(self.err))])

    @property
    def err_star(self) -> float:
        """err_d* = min_d err_d."""
        return float(self.err.min())

    @property
    def err_star_std(self) -> float:
        """Standard deviation over splits of the test error at d*."""
        return float(self.errors[:, int(np.argmin(self.err))].std())


@dataclass(frozen=True)
class Evaluation:
    """Result of :func:`evaluate_contexts`: one :class:`ContextScore` per context.

    Attributes
    ----------
    scores : tuple of ContextScore
    settings : dict
        beta, d0, the d grid, splits, test fraction, alpha, random_state.
    """

    scores: tuple
    settings: dict

    def column(self, key: str) -> np.ndarray:
        """One measure over the contexts, e.g. ``column("tau")`` or ``column("err_star")``.

        Parameters
        ----------
        key : str
            A scalar attribute or property of :class:`ContextScore` (``tau``, ``tau_d``,
            ``decay_rate``, ``effective_dimension``, ``kernel_deviation``, ``best_d``,
            ``err_star``, ``err_star_std``).

        Returns
        -------
        ndarray of float, shape (n_contexts,)
            The measure of each context, in the order of ``scores``.
        """
        return np.array([getattr(s, key) for s in self.scores], dtype=float)

    def table(self) -> list:
        """The measures of every context as plain Python numbers (e.g. for JSON).

        Returns
        -------
        list of dict
            One dict per context, in the order of ``scores``: ``name``, then ``tau``,
            ``tau_d``, ``decay_rate``, ``effective_dimension``, ``kernel_deviation``,
            ``best_d``, ``err_star`` and ``err_star_std`` as floats.
        """
        keys = ("tau", "tau_d", "decay_rate", "effective_dimension", "kernel_deviation",
                "best_d", "err_star", "err_star_std")
        return [{"name": s.name, **{k: float(getattr(s, k)) for k in keys}}
                for s in self.scores]


def _splits(y, n_splits, test_fraction, rng):
    """Stratified random splits: (train, test) index pairs, each class in both parts."""
    out = []
    classes = np.unique(y)
    for _ in range(n_splits):
        test = []
        for c in classes:
            members = np.flatnonzero(y == c)
            take = int(round(test_fraction * members.size))
            take = min(max(take, 1), members.size - 1) if members.size > 1 else 0
            test.append(rng.choice(members, size=take, replace=False))
        test = np.sort(np.concatenate(test))
        out.append((np.setdiff1d(np.arange(y.size), test), test))
    return out


def gram_spectrum(ctx: Context, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-d singular values and left functions of T from the Gram matrix Q Q^T.

    Q = diag(p_x)^-1/2 P diag(p_a)^-1/2 (THEORY.md section 2); u_0 = sqrt(p_x) is an
    eigenvector of G = Q Q^T with eigenvalue s_0^2 = 1, so G' = (I - u_0 u_0^T) G
    (I - u_0 u_0^T) has the same eigenpairs with u_0 sent to 0, and one symmetric
    eigendecomposition of G' gives s_1^2 >= s_2^2 >= ... and u_i; mu_i = u_i / sqrt(p_x).
    The same numbers as :func:`contexture_lab.contexture` (up to the sign of each function
    and a basis inside a cluster of equal values), about four times faster for the dense
    N <= a few thousand contexts of a Table-1 sweep. Values below 0 from round-off are 0.

    Parameters
    ----------
    ctx : Context
        N inputs (dense or sparse; formed densely here, N x N).
    d : int, 1 <= d <= min(N, M) - 1

    Returns
    -------
    s : ndarray, shape (d,)
    left : ndarray, shape (N, d)
        Orthonormal in L2(P_X) and orthogonal to the constant.
    """
    check_context(ctx)
    d = check_int(d, "d", low=1, high=min(ctx.shape) - 1)
    Q = ctx.normalized()
    Q = Q.toarray() if hasattr(Q, "toarray") else np.asarray(Q)
    G = Q @ Q.T
    u0 = np.sqrt(ctx.p_x)
    Gu = G @ u0
    G = G - np.outer(Gu, u0) - np.outer(u0, Gu) + (u0 @ Gu) * np.outer(u0, u0)
    G = (G + G.T) / 2
    w, U = np.linalg.eigh(G)
    order = np.argsort(w)[::-1][:d]
    s = np.sqrt(np.clip(w[order], 0.0, 1.0))
    left = np.zeros((Q.shape[0], d))
    pos = ctx.p_x > 0
    left[pos] = U[pos][:, order] / u0[pos, None]
    (left,) = degeneracy.maybe_scramble(s, left)
    return s, left


def probe_errors(left, y, splits, ds, *, alpha: float = 1e-3) -> np.ndarray:
    """Test error of a ridge probe (one-hot targets, arg-max) on the first d columns.

    Parameters
    ----------
    left : ndarray, shape (n, >= max(ds))
        Features, e.g. a context's left singular functions.
    y : ndarray, shape (n,)
        Labels.
    splits : list of (train indices, test indices)
    ds : sequence of int
    alpha : float, default=1e-3
        Ridge penalty per sample (:func:`contexture_lab.probe.fit_ridge`).

    Returns
    -------
    ndarray, shape (len(splits), len(ds))
    """
    from scipy.linalg import solve_triangular

    classes, codes = np.unique(y, return_inverse=True)
    onehot = np.eye(classes.size)[codes]
    ds = [int(d) for d in ds]
    top = max(ds)
    errors = np.empty((len(splits), len(ds)))
    for i, (train, test) in enumerate(splits):
        # ridge on nested columns: the Cholesky factor of the first d columns' normal
        # matrix is the leading d x d block of the full factor, so one factorisation
        # serves every d (the same solution as fit_ridge, which centres the same way)
        F = left[train, :top]
        mu_f, mu_y = F.mean(axis=0), onehot[train].mean(axis=0)
        Fc, Yc = F - mu_f, onehot[train] - mu_y
        A = Fc.T @ Fc + alpha * train.size * np.eye(top)
        rhs = Fc.T @ Yc
        try:
            L = np.linalg.cholesky(A)
        except np.linalg.LinAlgError:
            L = None                      # alpha = 0 and rank-deficient: the general solver
        for j, d in enumerate(ds):
            if L is None:
                W, b = fit_ridge(left[train, :d], onehot[train], alpha=alpha)
            else:
                z = solve_triangular(L[:d, :d], rhs[:d], lower=True)
                W = solve_triangular(L[:d, :d].T, z, lower=False)
                b = mu_y - mu_f[:d] @ W
            errors[i, j] = np.mean(predict_classes(left[test, :d] @ W + b) != codes[test])
    return errors


def evaluate_contexts(contexts, y, *, ds=D_GRID, beta: float = 1.0, d0: int = 512,
                      n_splits: int = 5, test_fraction: float = 0.2, alpha: float = 1e-3,
                      kernel_deviation: bool = False, random_state=0) -> Evaluation:
    """Tau, the other label-free measures and the downstream error of each context.

    Parameters
    ----------
    contexts : sequence of Context
        Contexts on the same n inputs (e.g. ``cl.contexts.rbf(X, h)``,
        ``cl.contexts.knn(X, k)``, ``cl.contexts.masked(X, "rbf", bandwidth=h)``).
    y : array-like, shape (n,)
        Labels of the n inputs (any hashable values; classes are sorted).
    ds : sequence of int, default=:data:`D_GRID`
        Dimensions d at which the probe is fitted; values above min(n - 2, n_train - 2)
        are dropped. A context with fewer non-constant functions than d (a label context
        with C classes has C - 1) is probed on all it has.
    beta : float, default=1.0
    d0 : int, default=512
        tau's normalising dimension; s_1..s_{min(d0, n - 1)} are computed.
    n_splits : int, default=5
        Random stratified train/test splits (the same splits for every context).
    test_fraction : float in (0, 1), default=0.2
    alpha : float, default=1e-3
        Ridge penalty of the probe.
    kernel_deviation : bool, default=False
        Also compute :func:`contexture_lab.association.kernel_deviation` (an O(n^2 M) pass).
    random_state : int or numpy.random.Generator, default=0
        Draws the splits.

    Returns
    -------
    Evaluation
        ``.scores[i].err_star``, ``.err_star_std``, ``.tau`` ...; :func:`correlate` for
        the correlation of tau with err_d* over the contexts.
    """
    contexts = list(contexts)
    if not contexts:
        raise ValueError("contexts is empty; expected at least one Context")
    for i, ctx in enumerate(contexts):
        if not isinstance(ctx, Context):
            raise TypeError(f"contexts[{i}] is a {type(ctx).__name__}; expected a Context")
        check_context(ctx)
    n = contexts[0].shape[0]
    for i, ctx in enumerate(contexts):
        if ctx.shape[0] != n:
            raise ValueError(f"contexts[{i}] has {ctx.shape[0]} inputs; expected {n} like "
                             "contexts[0] (every context on the same inputs)")
    y = np.asarray(y)
    if y.shape != (n,):
        raise ValueError(f"y has shape {y.shape}; expected ({n},), one label per input")
    beta = check_float(beta, "beta", low=0.0)
    d0 = check_int(d0, "d0", low=2)
    n_splits = check_int(n_splits, "n_splits", low=1)
    test_fraction = check_float(test_fraction, "test_fraction", low=0.0, high=1.0,
                                low_open=True)
    rng = check_rng(random_state)
    splits = _splits(y, n_splits, test_fraction, rng)
    n_train = min(len(train) for train, _ in splits)
    ds = np.array(sorted({check_int(d, "d", low=1) for d in ds}), dtype=np.int64)
    ds = ds[ds <= min(n - 2, n_train - 2)]
    if ds.size == 0:
        raise ValueError(f"no d of the grid fits n={n} inputs and {n_train} training rows")
    scores = []
    for ctx in contexts:
        most = min(ctx.shape) - 1
        if most < 2:
            raise ValueError(f"context {ctx.name!r} has shape {ctx.shape}: at most {most} "
                             "non-constant singular value(s); tau needs 2")
        k = min(d0, most)
        # one value past the largest d, so that a cluster at d shows whether it goes on
        s_all, left = gram_spectrum(ctx, min(max(k, int(ds.max()) + 1), most))
        s = s_all[:k]
        t = association.tau(s, beta=beta, d0=min(d0, s.size))
        kd = association.kernel_deviation(ctx) if kernel_deviation else float("nan")
        # a context with fewer functions than d (a label context) uses all it has
        used = np.minimum(ds, left.shape[1])
        split = np.array([d < s_all.size and degeneracy.closes_at(s_all, int(d))[1] > d
                          for d in used])
        errors = probe_errors(left, y, splits, used, alpha=alpha)
        if split.any():
            # a cut inside a cluster: the probe sees a subspace the solver's basis chose,
            # so the error there is the mean over seeded (uniformly drawn) subspaces
            bases, _ = degeneracy.cluster_bases(s_all, left, ctx.p_x, int(used.max()),
                                                n_bases=N_BASES)
            errors[:, split] = np.mean([probe_errors(V, y, splits, used[split], alpha=alpha)
                                        for V in bases], axis=0)
        scores.append(ContextScore(
            name=ctx.name or "context", singular_values=s, tau=t.value,
            tau_d=-1 if t.d is None else t.d, decay_rate=association.decay_rate(s),
            effective_dimension=association.effective_dimension(s), kernel_deviation=kd,
            ds=ds, errors=errors, split=split))
    settings = {"beta": beta, "d0": d0, "ds": [int(d) for d in ds], "n_splits": n_splits,
                "test_fraction": test_fraction, "alpha": alpha,
                "random_state": random_state if isinstance(random_state, int) else None}
    return Evaluation(scores=tuple(scores), settings=settings)


def correlate(evaluation: Evaluation, *, measure: str = "tau") -> dict:
    """Pearson's r and the distance correlation between a measure and err_d* over contexts.

    Contexts whose measure is not finite (tau at an extreme) are left out and counted.

    Parameters
    ----------
    evaluation : Evaluation
    measure : str, default="tau"
        A :class:`ContextScore` attribute (``"tau"``, ``"decay_rate"``,
        ``"effective_dimension"``, ``"kernel_deviation"``).

    Returns
    -------
    dict
        ``pearson``, ``distance_correlation``, ``n`` (contexts used), ``left_out``.
    """
    m = evaluation.column(measure)
    e = evaluation.column("err_star")
    ok = np.isfinite(m)
    if ok.sum() < 3:
        raise ValueError(f"{int(ok.sum())} context(s) have a finite {measure}; a correlation "
                         "needs at least 3")
    m, e = m[ok], e[ok]
    pearson = float(np.corrcoef(m, e)[0, 1]) if m.std() > 0 and e.std() > 0 else float("nan")
    dcor = (association.distance_correlation(m, e) if m.std() > 0 and e.std() > 0
            else float("nan"))
    return {"pearson": pearson, "distance_correlation": dcor, "n": int(ok.sum()),
            "left_out": int((~ok).sum())}


__all__ = ["ContextScore", "D_GRID", "Evaluation", "N_BASES", "correlate", "evaluate_contexts",
           "gram_spectrum", "probe_errors"]
