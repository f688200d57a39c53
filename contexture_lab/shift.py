"""Distribution shift: the same inputs drawn under another distribution (THEORY.md 3).

The inputs form a finite population of N points; a distribution over them is a probability
vector of length N. This module builds shifted downstream distributions
(:func:`shift_by_class`, :func:`shift_by_feature`), measures a shift
(:func:`total_variation`), reweights a probe's loss (:func:`importance_weights`,
:func:`effective_sample_size`) and moves a context's inputs to another distribution
(:func:`shifted_context`). The probes that use them live in :mod:`contexture_lab.probe`
(``linear_probe(..., importance_weighted=True)``); every name here stays importable from
there.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._validation import as_float_array, check_float, check_probability_vector, power_of_two_scale
from .context import Context, check_context


def _distribution(dist, n_inputs: int, name: str) -> np.ndarray:
    if dist is None:
        return np.full(n_inputs, 1.0 / n_inputs)
    dist = check_probability_vector(dist, name)
    if dist.shape != (n_inputs,):
        raise ValueError(f"{name} has {dist.size} entries; expected {n_inputs}, one "
                         "probability per input")
    return dist


def importance_weights(train_distribution, test_distribution) -> np.ndarray:
    """q / p per input, shape (N,); 0 where both are 0.

    Raises ``ValueError`` where q > 0 but p = 0: no reweighting can recover a region the
    training distribution never samples.

    Parameters
    ----------
    train_distribution : array-like, shape (N,)
        The distribution p the labelled samples are drawn from.
    test_distribution : array-like, shape (N,)
        The distribution q the probe is evaluated under.

    Returns
    -------
    ndarray, shape (N,)
        ``q / p`` (0 where both are 0).

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.shift.importance_weights([0.5, 0.25, 0.25], [0.25, 0.25, 0.5])
    array([0.5, 1. , 2. ])
    """
    p = check_probability_vector(train_distribution, "train_distribution")
    q = check_probability_vector(test_distribution, "test_distribution")
    if p.shape != q.shape:
        raise ValueError(f"train_distribution has {p.size} entries and test_distribution "
                         f"{q.size}; expected one probability per input in both")
    uncovered = (p <= 0) & (q > 0)
    if uncovered.any():
        raise ValueError(f"test_distribution puts mass on {int(uncovered.sum())} input(s) "
                         "where train_distribution has none; importance weights q/p are "
                         "undefined there")
    out = np.zeros_like(p)
    out[p > 0] = q[p > 0] / p[p > 0]
    return out


def effective_sample_size(weights) -> float:
    """(sum w)^2 / sum w^2: how many equally weighted samples the weights are worth.

    Parameters
    ----------
    weights : array-like, shape (n,)
        Non-negative sample weights with a positive sum.

    Returns
    -------
    float
        In [1, n]; n for equal weights.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> round(cl.shift.effective_sample_size([1.0, 1.0, 0.0, 2.0]), 4)     # 16 / 6
    2.6667
    """
    w = as_float_array(weights, "weights", ndim=1)
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be >= 0 with a positive sum")
    return float(w.sum() ** 2 / np.sum(w ** 2))


def total_variation(p, q) -> float:
    """Total-variation distance ``(1/2) sum |p - q|`` between two distributions over inputs.

    Parameters
    ----------
    p : array-like, shape (N,)
        A probability vector.
    q : array-like, shape (N,)
        Another one over the same inputs.

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.shift.total_variation([0.5, 0.5], [0.25, 0.75])
    0.25
    """
    p = check_probability_vector(p, "p")
    q = check_probability_vector(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p has {p.size} entries and q {q.size}; expected equal lengths")
    return float(0.5 * np.abs(p - q).sum())


def shift_by_class(y, class_probs, strength: float, *, base=None) -> np.ndarray:
    """A downstream distribution whose class proportions move towards ``class_probs``.

    ``q = (1 - strength) * p + strength * p'`` where p is ``base`` (default uniform) and
    p' reweights p within each class so that class c has total mass ``class_probs[c]``
    (classes in sorted order). ``strength = 0`` gives p back; the shift's total-variation
    size grows linearly in ``strength``.

    Parameters
    ----------
    y : array-like, shape (N,)
    class_probs : array-like, shape (C,), a probability vector over the sorted classes
    strength : float in [0, 1]
    base : array-like, shape (N,), optional

    Returns
    -------
    ndarray, shape (N,): a probability vector over the inputs.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}")
    classes, codes = np.unique(y, return_inverse=True)
    target = check_probability_vector(class_probs, "class_probs")
    if target.size != classes.size:
        raise ValueError(f"class_probs has {target.size} entries; expected {classes.size}, "
                         "one per class present in y (sorted order)")
    strength = check_float(strength, "strength", low=0.0, high=1.0)
    p = _distribution(base, y.size, "base")
    class_mass = np.bincount(codes, weights=p, minlength=classes.size)
    if (class_mass[codes] <= 0).any():
        raise ValueError("base gives a class zero mass; cannot reweight it")
    shifted = p * target[codes] / class_mass[codes]
    return (1.0 - strength) * p + strength * shifted


def shift_by_feature(values, strength: float, *, base=None) -> np.ndarray:
    """Exponential tilt q(x) proportional to p(x) exp(strength * z(x)) of a scalar feature.

    z is the feature standardised under p (mean 0, standard deviation 1), so ``strength``
    is in units of standard deviations; ``strength = 0`` gives p (``base``, default uniform)
    back, a positive strength favours inputs with large feature values.

    Parameters
    ----------
    values : array-like, shape (N,)
        A feature of each input (e.g. total ink of a digit); any finite scale.
    strength : float
        The tilt in standard deviations of the feature; any finite value (a very large one
        puts all the mass on the inputs with the largest feature value).
    base : array-like, shape (N,), default=None
        The distribution p to tilt; ``None`` is uniform.

    Returns
    -------
    ndarray, shape (N,)
        The tilted distribution q (non-negative, sums to 1).

    Examples
    --------
    >>> shift_by_feature([0.0, 1.0], 0.0)
    array([0.5, 0.5])
    >>> shift_by_feature([0.0, 1.0], 1e308)
    array([0., 1.])
    """
    v = as_float_array(values, "values", ndim=1)
    strength = check_float(strength, "strength")
    p = _distribution(base, v.size, "base")
    v = v / power_of_two_scale(v)  # exact: z is scale-free, and values near 1e300 stay finite
    mean = p @ v
    sd = np.sqrt(p @ (v - mean) ** 2)
    if sd <= 0:
        raise ValueError("values are constant under the base distribution; a tilt needs a "
                         "feature that varies")
    z = (v - mean) / sd
    # strength * (z - z at the favoured end) <= 0: a huge strength underflows to exp(-inf) = 0
    # instead of overflowing, so the limit (all mass at the extreme feature value) is exact
    support = z[p > 0]
    with np.errstate(over="ignore", under="ignore"):
        logits = strength * (z - (support.max() if strength >= 0 else support.min()))
        q = p * np.exp(logits)
    return q / q.sum()


def shifted_context(ctx: Context, distribution) -> Context:
    """The same conditional P(a|x) with the inputs drawn from another distribution.

    ``P'(x, a) = q(x) P(a | x)``: what an encoder would be pretrained on if the unlabelled
    inputs came from the shifted distribution q. Every input needs q(x) > 0.

    Parameters
    ----------
    ctx : Context
        The context whose conditional is kept, (N, M).
    distribution : array-like, shape (N,)
        The new marginal q of X, positive everywhere.

    Returns
    -------
    Context, shape (N, M)
        With ``p_x = q``; the features of ``ctx``.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.shift.shifted_context(cl.contexts.cycle(4, 0.5), [0.4, 0.3, 0.2, 0.1]).p_x
    array([0.4, 0.3, 0.2, 0.1])
    """
    check_context(ctx)
    q = _distribution(distribution, ctx.n_inputs, "distribution")
    if (q <= 0).any():
        raise ValueError(f"distribution gives {int((q <= 0).sum())} input(s) zero mass; a "
                         "context needs every input (use a strength that keeps q > 0)")
    C = ctx.conditional()
    P = (sp.diags(q) @ C).tocsr() if ctx.is_sparse else C * q[:, None]
    return Context(P, x_features=ctx.x_features, a_features=ctx.a_features, normalize=True,
                   name=f"{ctx.name or 'context'} (shifted inputs)")


__all__ = ["effective_sample_size", "importance_weights", "shift_by_class",
           "shift_by_feature", "shifted_context", "total_variation"]
