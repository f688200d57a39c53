"""The contexture of a context: top singular values and functions of its expectation operator.

With Q = diag(p_x)^-1/2 P diag(p_a)^-1/2 = U S V^T (THEORY.md section 2) the singular values
of T are the diagonal of S, the left functions are mu_i = u_i / sqrt(p_x) (orthonormal in
L2(P_X)) and the right functions nu_i = v_i / sqrt(p_a). The top pair, s_0 = 1 with constant
functions, is known in closed form (u_0 = sqrt(p_x), v_0 = sqrt(p_a)); it is deflated (dense
solvers) or projected out (sparse solver), so results hold only s_1 >= s_2 >= ...
"""

from __future__ import annotations

import warnings
import weakref
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from . import degeneracy
from ._threads import one_thread
from ._validation import as_float_array, check_choice, check_float, check_int, renamed_random_state
from .context import Context, check_context
from .degeneracy import DegenerateSpanWarning

#: ``method="auto"`` uses the sparse solver for sparse contexts with min(N, M) above
#: SPARSE_FROM, and for dense ones above DENSE_LIMIT (when d is small against min(N, M)).
SPARSE_FROM = 1000
DENSE_LIMIT = 3000

METHODS = ("auto", "dense", "sparse", "torch")

#: What :func:`contexture` does when the top-d span is not unique (s_d = s_{d+1}).
ON_DEGENERATE = ("warn", "ignore")

#: The sparse solver's shift: sigma = 1 + SHIFT sits just above the largest eigenvalue of
#: the Gram matrix (1, the constant, projected out), so the wanted eigenvalues near 1 are
#: well separated after the spectral transformation 1 / (sigma - lambda).
SHIFT = 1e-5

#: From this many rows of the Gram matrix on, the sparse solver factorises in single
#: precision and stops ARPACK at a relative tolerance of MIXED_TOL: singular values still
#: to ~1e-12 (double-precision Rayleigh-Ritz), singular functions to ~1e-5 instead of ~1e-10
#: (measured against the double-precision solver at 20,000 and 100,000 points).
MIXED_PRECISION_FROM = 10_000

#: ARPACK's tolerance in mixed precision: tighter costs solves (at 100,000 points 81 instead
#: of 73 for 1e-6) and gains nothing the single-precision solves do not take away again.
MIXED_TOL = 1e-5


@dataclass(frozen=True)
class Contexture:
    """Result of :func:`contexture`: the top-d singular triplets of T (s_0 = 1 excluded).

    Attributes
    ----------
    singular_values : ndarray, shape (d,)
        s_1 >= ... >= s_d.
    left : ndarray, shape (N, d)
        mu_1..mu_d, orthonormal in L2(P_X) and of mean zero.
    right : ndarray, shape (M, d)
        nu_1..nu_d with T nu_i = s_i mu_i (zero on context values without mass).
    p_x, p_a : ndarray, shapes (N,), (M,)
        The marginals, for inner products in L2(P_X) and L2(P_A).
    method : str
        The solver that produced the result.
    gap : float, default=nan
        s_d - s_{d+1} (s_{d+1} = 0 past the last non-constant pair; NaN where the sparse
        solver cannot compute s_{d+1}, at d = min(N, M) - 2).
    unique : bool, default=True
        Whether the top-d span is determined: False when s_d and s_{d+1} are equal within
        :data:`contexture_lab.degeneracy.RTOL` times s_1 (then any d functions of that
        cluster are an equally valid answer; THEORY.md section 1).
    """

    singular_values: np.ndarray
    left: np.ndarray
    right: np.ndarray
    p_x: np.ndarray
    p_a: np.ndarray
    method: str
    gap: float = float("nan")
    unique: bool = True

    @property
    def d(self) -> int:
        return self.singular_values.size

    def coefficients(self, f) -> np.ndarray:
        """Coefficients <f, mu_i> in L2(P_X) of f on the top-d left functions.

        Parameters
        ----------
        f : array-like, shape (N,) or (N, k)
            A function (or k functions) of the input.

        Returns
        -------
        ndarray, shape (d,) or (d, k)
            ``sum_x p_x(x) mu_i(x) f(x)`` for i = 1..d.

        Examples
        --------
        >>> import numpy as np, contexture_lab as cl
        >>> P = np.array([[0.3, 0.1, 0.0], [0.1, 0.2, 0.05], [0.0, 0.05, 0.2]])
        >>> res = cl.contexture(cl.Context(P), 2)
        >>> res.coefficients(res.left[:, 1]).round(4) + 0
        array([0., 1.])
        """
        f = as_float_array(f, "f", ndim=(1, 2))
        if f.shape[0] != self.left.shape[0]:
            raise ValueError(f"f has {f.shape[0]} rows; expected {self.left.shape[0]}")
        weighted = f * (self.p_x if f.ndim == 1 else self.p_x[:, None])
        return self.left.T @ weighted


def _sign_fix(U: np.ndarray, V: np.ndarray):
    """Flip each pair so that the largest-magnitude value of the left function is positive."""
    rows = np.argmax(np.abs(U), axis=0)
    signs = np.sign(U[rows, np.arange(U.shape[1])])
    signs[signs == 0] = 1.0
    return U * signs, V * signs


def _dense_svd(Q, u0, v0, d):
    """Exact top-d SVD of the deflated dense Q.

    For larger matrices the top eigenpairs of the smaller Gram matrix (LAPACK, subset by
    index) are several times faster than a full SVD; when a requested singular value is
    tiny (where the other side's vectors would be inaccurate) the full SVD is used.
    """
    Qd = Q.toarray() if sp.issparse(Q) else np.asarray(Q, dtype=np.float64)
    Qd = Qd - np.outer(u0, v0)
    n, m = Qd.shape
    if min(n, m) > 500:
        wide = n <= m
        G = Qd @ Qd.T if wide else Qd.T @ Qd
        k = G.shape[0]
        w, vecs = scipy.linalg.eigh(G, subset_by_index=[k - d, k - 1], driver="evr")
        w, vecs = w[::-1], vecs[:, ::-1]
        s = np.sqrt(np.clip(w, 0.0, None))
        # evr may return fewer pairs than asked under heavy degeneracy: then use the SVD
        if s.size == d and s[-1] > 1e-4:
            other = (Qd.T @ vecs if wide else Qd @ vecs) / s
            return (s, vecs, other) if wide else (s, other, vecs)
    U, s, Vt = scipy.linalg.svd(Qd, full_matrices=False, lapack_driver="gesdd")
    U, V = U[:, :d], Vt[:d].T
    if max(np.abs(u0 @ U).max(), np.abs(v0 @ V).max()) > 1e-8:
        # vectors of (near-)zero singular values may contain the constant (an independent
        # context, where every s = 0): decompose on the complements of u0 and v0 instead
        return _complement_svd(Qd, u0, v0, d)
    return s[:d], U, V


def _householder(u):
    """Unit w with (I - 2 w w^T) u = -e_1 for a unit vector u with u[0] >= 0."""
    w = u.copy()
    w[0] += 1.0
    return w / np.linalg.norm(w)


def _complement_svd(Qd, u0, v0, d):
    """Top-d SVD of the deflated Qd restricted to u0's and v0's orthogonal complements.

    Householder reflections H, K map u0, v0 to -e_1; the SVD of (H Qd K)[1:, 1:] mapped
    back gives singular vectors orthogonal to u0 and v0 by construction, also for s = 0.
    """
    w, z = _householder(u0), _householder(v0)
    R = Qd - 2.0 * np.outer(w, w @ Qd)
    R = R - 2.0 * np.outer(R @ z, z)
    U, s, Vt = scipy.linalg.svd(R[1:, 1:], full_matrices=False, lapack_driver="gesdd")
    U, V = U[:, :d], Vt[:d].T
    U = np.vstack([np.zeros((1, U.shape[1])), U])
    V = np.vstack([np.zeros((1, V.shape[1])), V])
    return s[:d], U - 2.0 * np.outer(w, w @ U), V - 2.0 * np.outer(z, z @ V)


def _sparse_svd(Q, u0, v0, d, tol, seed):
    """Top-d singular triplets of a sparse Q without forming any dense N x N matrix.

    The smaller Gram matrix G = F F^T (F = Q or Q^T) is formed as a *sparse* product and its
    top eigenpairs are found by ARPACK in shift-invert mode around sigma slightly above 1
    (the largest possible eigenvalue), where the singular values of KNN and graph contexts
    cluster; plain Lanczos converges very slowly there. The known top eigenvector (the
    constant, s_0 = 1) is projected out of the operator, so ARPACK looks for d pairs, and a
    final Rayleigh-Ritz step in double precision gives the singular values and the other
    side's functions from one sparse product W = F^T basis.
    """
    Q = sp.csr_matrix(Q)
    wide = Q.shape[0] <= Q.shape[1]
    F = Q if wide else Q.T.tocsr()
    Ft = F.T.tocsr()
    known = u0 if wide else v0
    known = known / np.linalg.norm(known)
    n = F.shape[0]
    sigma = 1.0 + SHIFT
    # sigma I - G is symmetric positive definite: a symmetric-mode LU without pivoting and a
    # minimum-degree ordering on its pattern has far less fill-in than the default column
    # ordering. Large problems factorise in single precision (half the memory traffic per
    # solve); the Rayleigh-Ritz step below restores the singular values to ~1e-12.
    mixed = n >= MIXED_PRECISION_FROM
    dtype = np.float32 if mixed else np.float64
    shifted = sigma * sp.identity(n, format="csr") - F @ Ft
    # symmetric, so its CSR arrays are also its CSC arrays
    shifted = sp.csc_matrix((shifted.data.astype(dtype), shifted.indices, shifted.indptr),
                            shape=shifted.shape)

    def inverse_on_complement(x):
        """(sigma I - G)^-1 on the complement of the known eigenvector (0 on it)."""
        x = np.asarray(x, dtype=np.float64).ravel()
        x = x - known * (known @ x)
        y = lu.solve(x.astype(dtype, copy=False)).astype(np.float64)
        return y - known * (known @ y)

    rng = np.random.default_rng(seed)
    start = rng.standard_normal(n)
    start -= known * (known @ start)
    # one thread: ARPACK's vector operations between the (serial) triangular solves,
    # and the small dense steps after them, only lose time to thread hand-offs (up to
    # twice as slow on 2 cores)
    with one_thread():
        lu = spla.splu(shifted, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                       options={"SymmetricMode": True})
        operator = spla.LinearOperator((n, n), dtype=np.float64, matvec=inverse_on_complement)
        _, vecs = spla.eigsh(operator, k=d, which="LA", v0=start,
                             tol=max(tol, MIXED_TOL) if mixed else tol,
                             ncv=min(n - 1, d + max(16, d // 2)))
        return _rayleigh_ritz(vecs, known, Ft, d, wide)


def _rayleigh_ritz(vecs, known, Ft, d, wide):
    """Singular triplets from the span of ``vecs`` (n, d), orthogonal to ``known``.

    The span is re-orthonormalised (Cholesky QR); with W = F^T basis, the eigenpairs of
    W^T W give s^2 and the rotation, and W rot / s gives the other side's vectors.
    """
    basis = vecs - np.outer(known, known @ vecs)
    basis = scipy.linalg.solve_triangular(np.linalg.cholesky(basis.T @ basis), basis.T,
                                          lower=True).T
    W = Ft @ basis
    ritz, rot = np.linalg.eigh(W.T @ W)
    order = np.argsort(-ritz)[:d]
    s = np.sqrt(np.clip(ritz[order], 0.0, None))
    vecs = basis @ rot[:, order]
    other = (W @ rot[:, order]) / np.where(s > 0, s, 1.0)
    return (s, vecs, other) if wide else (s, other, vecs)


#: support_components of each live Context, computed once: like its marginals, the
#: components are a fact of P, and a sweep step asks for them from several places (the
#: values-only path, the sparse solver, ``association.n_components``, the piece basis).
_COMPONENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def support_components(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the bipartite support graph x -- a (edges where P > 0).

    Computed once per context and remembered for its lifetime (the arrays are read-only).

    Parameters
    ----------
    ctx : Context

    Returns
    -------
    x_labels : ndarray of int, shape (N,)
        Component of each input, numbered 0, 1, ... in order of first appearance.
    a_labels : ndarray of int, shape (M,)
        Component of each context value; -1 for a value without mass.

    Each component carries its own constant function, so the number of components is
    the multiplicity of the singular value 1 (s_0 included).
    """
    check_context(ctx)
    hit = _COMPONENTS.get(ctx)
    if hit is not None and hit[0] is ctx.P:
        return hit[1]
    labels = _support_components(ctx)
    for a in labels:
        a.flags.writeable = False
    _COMPONENTS[ctx] = (ctx.P, labels)
    return labels


def _support_components(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    from scipy.sparse.csgraph import connected_components

    n = ctx.n_inputs
    support = sp.csr_matrix(ctx.P, copy=True)
    support.data[:] = 1.0
    graph = sp.bmat([[None, support], [support.T, None]], format="csr")
    _, labels = connected_components(graph, directed=False)
    _, first, inverse = np.unique(labels[:n], return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(first.size)
    x_labels = rank[inverse]
    lookup = np.full(labels.max() + 1, -1, dtype=np.int64)
    lookup[labels[:n][first]] = rank
    a_labels = lookup[labels[n:]]
    a_labels[ctx.p_a <= 0] = -1
    return x_labels, a_labels


def component_blocks(ctx: Context):
    """The blocks of Q = diag(p_x)^-1/2 P diag(p_a)^-1/2, one per support component.

    T is the direct sum of its components' operators, so the spectrum of T is the union
    of the blocks' spectra (each with its own s = 1, the component's constant).

    Parameters
    ----------
    ctx : Context

    Yields
    ------
    ndarray, shape (N_c, M_c)
        The dense block of component c = 0, 1, ... (inputs and context values with mass
        of that component, in their order in the context).
    """
    Q = ctx.normalized()
    x_labels, a_labels = support_components(ctx)
    n_comp = int(x_labels.max()) + 1
    if n_comp == 1:
        yield Q.toarray() if sp.issparse(Q) else np.asarray(Q, dtype=float)
        return
    Q = sp.csr_matrix(Q)
    rows = np.argsort(x_labels, kind="stable")
    cols = np.argsort(a_labels, kind="stable")
    cols = cols[a_labels[cols] >= 0]
    Q = Q[rows][:, cols].tocsr()
    r_cut = np.searchsorted(x_labels[rows], np.arange(n_comp + 1))
    c_cut = np.searchsorted(a_labels[cols], np.arange(n_comp + 1))
    for c in range(n_comp):
        yield Q[r_cut[c]:r_cut[c + 1], c_cut[c]:c_cut[c + 1]].toarray()


def piece_projector(ctx: Context):
    """The L2(P_X)-projection onto the eigenspace of s = 1 without the constant.

    Its functions are constant on each connected component of the support (a piece) and
    orthogonal to the constant: E[g | piece] - E[g]. A shattered graph (hundreds of
    pieces) has this eigenspace without any decomposition.

    Parameters
    ----------
    ctx : Context

    Returns
    -------
    callable
        G (N, j) -> its projection, (N, j).
    """
    x_labels, _ = support_components(ctx)
    p = ctx.p_x
    S = sp.csr_matrix((p, (x_labels, np.arange(p.size))),
                      shape=(int(x_labels.max()) + 1, p.size))   # S[c, x] = p_x [x in c]
    mass = np.asarray(S.sum(axis=1)).ravel()

    def project(G):
        means = (S @ G) / mass[:, None]          # E[g | piece]
        return means[x_labels] - p @ G            # minus E[g]: orthogonal to the constant
    return project


def _values_by_component(ctx: Context, k: int) -> np.ndarray:
    """s_1..s_k from the components' blocks, values only (see :func:`singular_values`)."""
    parts = []
    for B in component_blocks(ctx):
        G = B @ B.T if B.shape[0] <= B.shape[1] else B.T @ B
        n = G.shape[0]
        if n > 4 * (k + 1):
            w = scipy.linalg.eigvalsh(G, subset_by_index=[n - k - 1, n - 1], driver="evr")
        else:
            w = scipy.linalg.eigvalsh(G)
        parts.append(np.sqrt(np.clip(w, 0.0, None)))
    s = np.sort(np.concatenate(parts))[::-1]
    # s[0] is s_0 = 1, the constant; a component's constant beyond it is an s_i = 1
    out = np.zeros(k)
    out[:min(k, s.size - 1)] = np.minimum(s[1:k + 1], 1.0)
    return out


def _contrasts(weights: np.ndarray, count: int) -> np.ndarray:
    """``count`` orthonormal vectors (C, count) orthogonal to ``weights`` (Helmert contrasts).

    The j-th contrasts the (j+1)-th heaviest entry with the j heaviest ones, so the result
    is deterministic and the first columns involve the largest components.
    """
    order = np.argsort(-weights, kind="stable")
    out = np.zeros((weights.size, count))
    for j in range(count):
        head, nxt = order[:j + 1], order[j + 1]
        out[head, j] = weights[head] * weights[nxt]
        out[nxt, j] = -np.sum(weights[head] ** 2)
        out[:, j] /= np.linalg.norm(out[:, j])
    return out


def _sparse_by_component(ctx: Context, Q, d, tol, seed):
    """Top-d triplets of a sparse Q, one connected component of the support at a time.

    Krylov solvers find only a few copies of a repeated singular value, and a context
    with C components has s = 1 exactly C times (s_0 included), e.g. a KNN context whose
    graph shatters. T is the direct sum of its components' operators, so each component is
    decomposed on its own (dense when small) and the spectra are merged; the C - 1
    directions with s = 1 besides the constant are contrasts of the components' constants.
    """
    u0, v0 = np.sqrt(ctx.p_x), np.sqrt(ctx.p_a)
    x_labels, a_labels = support_components(ctx)
    n_comp = int(x_labels.max()) + 1
    if n_comp == 1:
        return _sparse_svd(Q, u0, v0, d, tol, seed)
    Q = sp.csr_matrix(Q)
    values, lefts, rights = [], [], []
    u_blocks = np.zeros((u0.size, n_comp))
    v_blocks = np.zeros((v0.size, n_comp))
    mass = np.zeros(n_comp)
    for c in range(n_comp):
        rows, cols = np.flatnonzero(x_labels == c), np.flatnonzero(a_labels == c)
        mass[c] = np.sum(ctx.p_x[rows])
        u_blocks[rows, c] = u0[rows] / np.sqrt(mass[c])
        v_blocks[cols, c] = v0[cols] / np.sqrt(mass[c])
        need = min(d, min(rows.size, cols.size) - 1)
        if need < 1:
            continue
        block = Q[rows][:, cols]
        small = min(block.shape) <= SPARSE_FROM or need >= min(block.shape) // 4
        solve = _dense_svd if small else _sparse_svd
        args = () if small else (tol, seed)
        s_c, U_c, V_c = solve(block, u_blocks[rows, c], v_blocks[cols, c], need, *args)
        values.append(s_c)
        lefts.append(sp.csr_matrix((U_c.ravel(), (np.repeat(rows, need),
                                                  np.tile(np.arange(need), rows.size))),
                                   shape=(u0.size, need)))
        rights.append(sp.csr_matrix((V_c.ravel(), (np.repeat(cols, need),
                                                   np.tile(np.arange(need), cols.size))),
                                    shape=(v0.size, need)))
    ones = min(d, n_comp - 1)
    coef = _contrasts(np.sqrt(mass), ones)
    s = np.concatenate([np.ones(ones), *values])
    order = np.argsort(-s, kind="stable")[:d]
    U = sp.hstack([sp.csr_matrix(u_blocks @ coef), *lefts], format="csc")[:, order]
    V = sp.hstack([sp.csr_matrix(v_blocks @ coef), *rights], format="csc")[:, order]
    return s[order], U.toarray(), V.toarray()


def _torch_svd(Q, u0, v0, d, device):
    import torch

    from .device import get_device

    dev = get_device(device)
    Qd = Q.toarray() if sp.issparse(Q) else np.asarray(Q)
    Qt = torch.as_tensor(Qd - np.outer(u0, v0), dtype=torch.float64, device=dev)
    U, s, Vh = torch.linalg.svd(Qt, full_matrices=False)
    return (s[:d].cpu().numpy(), U[:, :d].cpu().numpy(), Vh[:d].T.cpu().numpy())


def _solve(method, ctx, Q, k, tol, seed, device):
    """Top-k triplets (s, U, V) of the deflated Q with the chosen solver."""
    u0, v0 = np.sqrt(ctx.p_x), np.sqrt(ctx.p_a)
    if method == "dense":
        return _dense_svd(Q, u0, v0, k)
    if method == "sparse":
        return _sparse_by_component(ctx, Q, k, tol, seed)
    return _torch_svd(Q, u0, v0, k, device)


@renamed_random_state("seed")
def contexture(ctx: Context, d: int, *, method: str = "auto", tol: float = 1e-10,
               random_state: int = 0, device=None,
               on_degenerate: str = "warn") -> Contexture:
    """Decompose a context: the top-d singular values and functions of T.

    Parameters
    ----------
    ctx : Context
        The context to decompose.
    d : int
        Number of non-trivial singular pairs, 1 <= d <= min(N, M) - 1.
    method : {"auto", "dense", "sparse", "torch"}, default="auto"
        "dense": exact LAPACK decomposition; "sparse": ARPACK (scipy.sparse.linalg.eigsh,
        shift-invert) on the sparse Gram matrix, never forming a dense N x N matrix;
        "torch": dense SVD on the active torch device. "auto" picks the sparse solver
        for sparse contexts with min(N, M) > SPARSE_FROM (dense ones: > DENSE_LIMIT) and
        d < min(N, M) / 4, else dense.
    tol : float, default=1e-10
        Relative tolerance of the sparse solver (ARPACK); from MIXED_PRECISION_FROM rows on,
        where it factorises in single precision, at least MIXED_TOL (singular values stay
        accurate to ~1e-12 through a double-precision Rayleigh-Ritz step, functions ~1e-5).
    random_state : int, default=0
        Seed of the sparse solver's start vector (results are deterministic). The old
        name ``seed`` still works for one release (``FutureWarning``).
    device : str or torch.device, optional
        Only for ``method="torch"``; defaults to :func:`contexture_lab.get_device`.
    on_degenerate : {"warn", "ignore"}, default="warn"
        What to do when s_d = s_{d+1} (the top-d span is not unique): "warn" issues a
        :class:`~contexture_lab.degeneracy.DegenerateSpanWarning` naming the cluster and the
        nearest d values that end at a gap. Either way the result's ``unique`` is False.

    Returns
    -------
    Contexture
        With ``gap`` = s_d - s_{d+1} and ``unique``. Under the scramble switch
        (:func:`contexture_lab.degeneracy.scrambled`) the functions of every cluster of
        equal singular values are rotated by a seeded random orthogonal matrix first.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> P = np.array([[0.3, 0.1, 0.0], [0.1, 0.2, 0.05], [0.0, 0.05, 0.2]])
    >>> ctx = cl.Context(P)
    >>> res = cl.contexture(ctx, 2)
    >>> res.singular_values.round(4), res.unique
    (array([0.7846, 0.3369]), True)

    The left functions are orthonormal in L2(P_X) and have mean zero:

    >>> np.round((res.left.T * ctx.p_x) @ res.left, 10) + 0
    array([[1., 0.],
           [0., 1.]])
    >>> np.round(ctx.p_x @ res.left, 10) + 0
    array([0., 0.])
    """
    check_context(ctx)
    check_choice(method, "method", METHODS)
    check_choice(on_degenerate, "on_degenerate", ON_DEGENERATE)
    tol = check_float(tol, "tol", low=0.0)
    seed = check_int(random_state, "random_state", low=0)
    n_min = min(ctx.shape)
    d = check_int(d, "d", low=1)
    if d > n_min - 1:
        raise ValueError(f"d={d} is too large for a context of shape {ctx.shape}: at most "
                         f"min(N, M) - 1 = {n_min - 1} non-constant singular functions exist")
    Q = ctx.normalized()
    if method == "auto":
        large = n_min > (SPARSE_FROM if ctx.is_sparse else DENSE_LIMIT)
        method = "sparse" if large and d < n_min // 4 else "dense"
    if method == "sparse" and d >= n_min - 1:
        raise ValueError(f"the sparse solver needs d < min(N, M) - 1 = {n_min - 1}, got "
                         f"d={d}; use method='dense'")
    # one pair more than asked, to see whether s_d = s_{d+1}. When the cluster of s_d runs
    # past what was computed, compute more: once (to name the d that closes it), and under
    # the scramble switch until the whole cluster is in (it must be rotated as a whole)
    limit = n_min - 2 if method == "sparse" else n_min - 1
    k = min(d + 1, limit)
    s, U, V = _solve(method, ctx, Q, k, tol, seed, device)
    s = np.clip(s, 0.0, None)
    eq = degeneracy.tolerance(s)
    rounds = np.inf if degeneracy.scramble_seed() is not None else 1
    while rounds > 0 and s.size > d and s.size < limit and s[d - 1] - s[-1] <= eq:
        k, rounds = min(limit, 2 * k + 8), rounds - 1
        s, U, V = _solve(method, ctx, Q, k, tol, seed, device)
        s = np.clip(s, 0.0, None)
    if s.size > d:
        s_next = float(s[d])
    elif d == n_min - 1:      # nothing follows on a square context; zeros on the longer side
        s_next = None if ctx.shape[0] == ctx.shape[1] else 0.0
    else:                     # the sparse solver at d = min(N, M) - 2: s_{d+1} unknown
        s_next = float("nan")
    gap = float(s[d - 1]) - (0.0 if s_next is None else s_next)
    unique = s_next is None or not s[d - 1] - s_next <= eq
    if not unique and on_degenerate == "warn":
        values = s if s.size > d else np.append(s, s_next)
        text = degeneracy.describe(values, d, tol=eq, complete=s.size == n_min - 1)
        # stacklevel 3: past the renamed_random_state wrapper, to the caller
        warnings.warn(text, DegenerateSpanWarning, stacklevel=3)
    U, V = degeneracy.maybe_scramble(s, U, V, tol=eq)
    s, U, V = s[:d], U[:, :d], V[:, :d]
    u0, v0 = np.sqrt(ctx.p_x), np.sqrt(ctx.p_a)
    inv_root = np.zeros_like(v0)
    inv_root[v0 > 0] = 1.0 / v0[v0 > 0]
    left, right = _sign_fix(U / u0[:, None], V * inv_root[:, None])
    return Contexture(singular_values=s, left=left, right=right, p_x=ctx.p_x.copy(),
                      p_a=ctx.p_a.copy(), method=method, gap=gap, unique=unique)


#: Methods of :func:`singular_values`: the values-only path, or a :func:`contexture` solver.
VALUE_METHODS = ("auto", "values", "dense", "sparse", "torch")


def singular_values(ctx: Context, k: int, *, method: str = "auto", **kwargs) -> np.ndarray:
    """s_1..s_k of T (s_0 = 1 excluded), values only.

    ``method="values"`` is the lab's one values-only decomposition: it decomposes each
    connected component of the support on its own (T is the direct sum of the
    components' operators): the eigenvalues of the smaller
    Gram matrix B B^T of each dense block B (:func:`component_blocks`; LAPACK, values
    only, the top k + 1 of a large block), merged and sorted. No singular function is
    formed, which makes this several times cheaper than :func:`contexture` for hundreds
    of values or of pieces. Values agree with :func:`contexture`'s to about 1e-12, except
    values near 0, which come from the square root of a Gram eigenvalue (about 1e-8).
    Singular values are determined even inside a cluster of equal values, so nothing
    here depends on a basis and nothing warns.

    Parameters
    ----------
    ctx : Context
        The context to decompose.
    k : int
        Number of values, 1 <= k <= min(N, M) - 1.
    method : {"auto", "values", "dense", "sparse", "torch"}, default="auto"
        "values": the path above. "auto", "dense", "sparse", "torch": the values of
        :func:`contexture` with that solver (exact down to values near 0, where the
        Gram matrix of "values" loses half the digits; "auto" never forms a dense N x N
        matrix for a large sparse context). Sweeps over hundreds of values or pieces use
        "values".
    **kwargs : dict
        Options of :func:`contexture` (``tol``, ``random_state``, ``device``); not with
        ``method="values"``.

    Returns
    -------
    ndarray, shape (k,)
        s_1 >= ... >= s_k.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.spectrum.singular_values(cl.contexts.cycle(6, 0.5), 3).round(4)
    array([0.75, 0.75, 0.25])
    >>> cl.spectrum.singular_values(cl.contexts.cycle(6, 0.5), 3, method="values").round(4)
    array([0.75, 0.75, 0.25])
    """
    check_context(ctx)
    check_choice(method, "method", VALUE_METHODS)
    n_max = min(ctx.shape) - 1
    k = check_int(k, "k", low=1, high=n_max)
    if method == "values" and kwargs:
        raise TypeError(f"method='values' takes no solver options; got {sorted(kwargs)}")
    if method == "values":
        return _values_by_component(ctx, k)
    kwargs.setdefault("on_degenerate", "ignore")
    return contexture(ctx, k, method=method, **kwargs).singular_values
