"""What generative (likelihood) objectives factorise: the pointwise mutual information.

A softmax head on a d-dimensional encoder predicts the context value,
``P_model(a | x) = softmax_a(<W_a, Phi(x)> + b_a)``, and is trained by cross-entropy
(:func:`contexture_lab.objectives.likelihood`), as skip-gram and masked-token prediction
are. Over *unrestricted* logits the cross-entropy is minimised by
``log P+(a | x) + c(x)`` (Gibbs' inequality; the softmax ignores a constant per row), i.e.
by the PMI matrix ``log P+(x, a) / (p_X(x) p_A(a))`` up to a function of x and a function of
a, which the row invariance and the bias b absorb. Hence (THEORY.md section 10):

- **exact**: a model whose encoder can take any values on the N inputs reaches the minimum
  iff the PMI, centred over rows and columns (:func:`centred_pmi`), has rank <= d; then
  span(Phi) = its column span (:func:`pmi_span`), whatever weights the centring uses;
- **otherwise** the rank-d minimiser of the cross-entropy has no closed form: it is not a
  truncated SVD of any fixed matrix. :func:`pmi_span` is then a reference, not the answer;
- for skip-gram with k negative samples, Levy & Goldberg (2014) show the same kind of
  statement: with unconstrained inner products the optimum is <w, c> = PMI - log k.

The contexture is the SVD of the *ratio* P+ / (p_X p_A) (as the operator T); the likelihood
objective factorises its *logarithm*. When the association is weak, ratio = 1 + delta with
delta small and log(1 + delta) = delta - delta^2 / 2 + ..., so the two spans agree to first
order and part ways as the association grows.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_int
from .context import check_context
from .contexts import MAX_DENSE_ENTRIES
from .degeneracy import maybe_scramble


def pmi(ctx, *, positive: bool = False) -> np.ndarray:
    """The pointwise mutual information ``log P+(x, a) / (p_X(x) p_A(a))``, shape (N, M).

    Parameters
    ----------
    ctx : Context
        The context (N x M).
    positive : bool, default=False
        Return max(PMI, 0) (the positive PMI of Levy & Goldberg 2014), which is finite where
        P+(x, a) = 0 (set to 0 there, and on context values with p_A = 0).

    Raises
    ------
    ValueError
        Where P+(x, a) = 0 and ``positive`` is False (the PMI is -infinity there).

    Returns
    -------
    ndarray, shape (N, M)

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> ctx = cl.Context(np.array([[0.4, 0.1], [0.1, 0.4]]))
    >>> cl.generative.pmi(ctx).round(4)          # log(0.4 / 0.25), log(0.1 / 0.25)
    array([[ 0.47  , -0.9163],
           [-0.9163,  0.47  ]])
    """
    ctx = check_context(ctx)
    n, m = ctx.shape
    if n * m > MAX_DENSE_ENTRIES:
        raise ValueError(f"the PMI of a ({n}, {m}) context is a dense matrix; at most "
                         f"{MAX_DENSE_ENTRIES} entries are supported")
    P = ctx.P.toarray() if ctx.is_sparse else np.asarray(ctx.P)
    zero = P <= 0
    if zero.any() and not positive:
        raise ValueError(f"P has {int(zero.sum())} zero entr(ies) (of {n * m}), where the PMI "
                         "is -infinity; pass positive=True for the positive PMI "
                         "max(PMI, 0), or use a context with full support")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(P) - np.log(ctx.p_x)[:, None] - np.log(ctx.p_a)[None, :]
    if positive:
        out = np.where(zero, 0.0, np.maximum(out, 0.0))
    return out


def centred_pmi(ctx) -> np.ndarray:
    """The PMI centred over rows (under p_A) and columns (under p_X), shape (N, M).

    What a softmax model's logits must match up to the constants it cannot see: rank <= d
    is the condition for a d-dimensional softmax model to fit P+(a | x) exactly.

    Parameters
    ----------
    ctx : Context
        The context (N x M), positive wherever p_X and p_A are.

    Returns
    -------
    ndarray, shape (N, M)

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> ctx = cl.Context(np.array([[0.4, 0.1], [0.1, 0.4]]))
    >>> cl.generative.centred_pmi(ctx).round(4)
    array([[ 0.6931, -0.6931],
           [-0.6931,  0.6931]])
    """
    L = pmi(ctx)
    L = L - (L @ ctx.p_a)[:, None]
    return L - ctx.p_x @ L


def _decompose(ctx):
    """SVD of sqrt(p_X) L~ sqrt(p_A), L~ the centred PMI: (values, U (N, r))."""
    L = centred_pmi(ctx)
    root = np.sqrt(ctx.p_x)
    U, s, _ = np.linalg.svd(root[:, None] * L * np.sqrt(ctx.p_a)[None, :],
                            full_matrices=False)
    return s, U


def pmi_singular_values(ctx, k: int) -> np.ndarray:
    """The k largest singular values of the centred PMI as an operator L2(P_A) -> L2(P_X).

    Their count above zero is the rank that decides whether a softmax model of dimension d
    is exact (:func:`pmi_span`).

    Parameters
    ----------
    ctx : Context
        The context (N x M).
    k : int
        Number of values.

    Returns
    -------
    ndarray, shape (k,)
        In decreasing order.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> ctx = cl.Context(np.array([[0.4, 0.1], [0.1, 0.4]]))
    >>> cl.generative.pmi_singular_values(ctx, 1).round(4)     # log 2
    array([0.6931])
    """
    s, _ = _decompose(ctx)
    k = check_int(k, "k", low=1, high=s.size)
    return s[:k].copy()


def pmi_span(ctx, d: int, *, rtol: float = 1e-10) -> np.ndarray:
    """Top-d left singular functions of the centred PMI, orthonormal in L2(P_X), (N, d).

    Exactly the span a d-dimensional softmax (cross-entropy) model learns when the centred
    PMI has rank d (it can then fit P+(a | x) exactly: see the module docstring); for a
    larger rank it is the best rank-d approximation of the centred PMI in
    L2(P_X) x L2(P_A), a reference rather than the cross-entropy minimiser. Mean zero under
    P_X. Raises ``ValueError`` when d exceeds the rank (the further directions would be
    arbitrary).

    Parameters
    ----------
    ctx : Context
        The context (N x M).
    d : int
        Number of functions, at most the rank of the centred PMI.
    rtol : float, default=1e-10
        Singular values below ``rtol`` times the largest count as zero (the rank).

    Returns
    -------
    ndarray, shape (N, d)
    """
    ctx = check_context(ctx)
    d = check_int(d, "d", low=1)
    s, U = _decompose(ctx)
    rank = int(np.sum(s > rtol * s[0])) if s.size and s[0] > 0 else 0
    if d > rank:
        raise ValueError(f"d={d} exceeds the rank {rank} of the centred PMI of this context; "
                         f"beyond it the directions are arbitrary; expected d <= {rank}")
    (U,) = maybe_scramble(s, U)
    return U[:, :d] / np.sqrt(ctx.p_x)[:, None]


def conditional_entropy(ctx) -> float:
    """H(A | X) = -sum P+(x, a) log P+(a | x) in nats: the minimum of the likelihood loss.

    Parameters
    ----------
    ctx : Context
        The context (N x M).

    Returns
    -------
    float
        In [0, log M].

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> ctx = cl.Context(np.array([[0.4, 0.1], [0.1, 0.4]]))
    >>> round(cl.generative.conditional_entropy(ctx), 4)   # -(0.8 log 0.8 + 0.2 log 0.2)
    0.5004
    """
    ctx = check_context(ctx)
    P = ctx.P.toarray() if ctx.is_sparse else np.asarray(ctx.P)
    C = P / ctx.p_x[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(P > 0, P * np.log(np.where(P > 0, C, 1.0)), 0.0)
    return float(-terms.sum())


def cross_entropy(ctx, probabilities) -> float:
    """E_{P+}[-log q(A | X)] in nats for a model's conditional q (N, M), rows summing to 1.

    Minus :func:`conditional_entropy` it is the expected KL divergence
    E_X KL(P+(. | X) || q(. | X)) >= 0, zero iff q = P+(. | x) wherever p_X > 0.

    Parameters
    ----------
    ctx : Context
        The context (N x M).
    probabilities : array-like, shape (N, M)
        The model's conditional q(a | x), rows summing to 1.

    Returns
    -------
    float
        At least :func:`conditional_entropy` of ``ctx``.

    Examples
    --------
    >>> import numpy as np, contexture_lab as cl
    >>> ctx = cl.Context(np.array([[0.4, 0.1], [0.1, 0.4]]))
    >>> round(cl.generative.cross_entropy(ctx, [[0.5, 0.5], [0.5, 0.5]]), 4)   # log 2
    0.6931
    """
    ctx = check_context(ctx)
    Qm = as_float_array(probabilities, "probabilities", ndim=2)
    if Qm.shape != ctx.shape:
        raise ValueError(f"probabilities has shape {Qm.shape}; expected {ctx.shape}, one row "
                         "P(. | x) over the context values per input")
    if (Qm < 0).any() or not np.allclose(Qm.sum(axis=1), 1.0, atol=1e-8):
        raise ValueError("probabilities must be >= 0 with rows that sum to 1 (one "
                         "conditional distribution per input)")
    P = ctx.P.toarray() if ctx.is_sparse else np.asarray(ctx.P)
    if ((P > 0) & (Qm <= 0)).any():
        return float("inf")
    with np.errstate(divide="ignore"):
        return float(-np.sum(np.where(P > 0, P * np.log(np.where(P > 0, Qm, 1.0)), 0.0)))


__all__ = ["centred_pmi", "conditional_entropy", "cross_entropy", "pmi",
           "pmi_singular_values", "pmi_span"]
