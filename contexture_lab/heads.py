"""Attention heads as contexts, and what their spectra say about them.

One head of a transformer on one text is a conditional distribution over keys for each
query: with the queries uniform it is a :class:`~contexture_lab.context.Context`
(:func:`head_context`), so the lab's spectrum and association measures describe it
(:func:`head_profiles`). Model-free: the attention matrices come from anywhere
(:func:`contexture_lab.pretrained.forward` reads them from real models).
"""

from __future__ import annotations

import numpy as np

from ._validation import check_int
from .context import Context


def head_context(attention, length: int | None = None, *, name: str | None = None) -> Context:
    """One attention head on one text as a :class:`~contexture_lab.Context`: X = query token
    (uniform over
    the real tokens), A = key token, P+(a | x) = the head's attention probabilities.

    Parameters
    ----------
    attention : array-like, shape (T, T)
        Rows of attention probabilities (as in ``Forward.attentions[i, layer, head]``).
    length : int, optional
        Number of real tokens (``Forward.lengths[i]``); default all ``T``.
    name : str, keyword-only, optional
        The context's name; default ``"attention head"``.

    Returns
    -------
    Context, shape (length, length)
        Dense; its conditional is the attention matrix cut to the real tokens.
    """
    A = np.asarray(attention, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"attention has shape {A.shape}; expected a square (T, T) matrix")
    length = A.shape[0] if length is None else check_int(length, "length", low=2,
                                                         high=A.shape[0])
    A = A[:length, :length]
    return Context(A / length, normalize=True, name=name or "attention head")


#: Head kinds of :func:`head_profiles` (our reading, not a theorem): attention mostly on the
#: first/last token, mostly on the token itself or its neighbours, or spread out.
HEAD_KINDS = ("sink", "local", "broad", "mixed", "borderline")

#: The descriptor thresholds of the kinds (a head is of a kind when above its threshold,
#: checked in this order: sink, local, broad; otherwise mixed).
KIND_THRESHOLDS = {"sink": 0.5, "local": 0.5, "entropy": 0.8}


def head_profiles(attentions, lengths, *, sinks=(0, -1), margin: float = 0.0) -> dict:
    """Describe every head of every layer as a context, averaged over texts.

    For each text i, layer l and head h the attention matrix over the ``lengths[i]`` real
    tokens is a :class:`~contexture_lab.Context` (:func:`head_context`); its singular values s_1
    >= s_2 ...
    (values only: always determined) give the lab's association measures.

    Parameters
    ----------
    attentions : ndarray, shape (n, L, H, T, T)
        ``Forward.attentions``.
    lengths : ndarray of int, shape (n,)
    sinks : tuple of int, default=(0, -1)
        Positions (in the real tokens) counted as "sink" keys: BERT's [CLS] and [SEP]
        (default), ``(0,)`` for a decoder's first token.
    margin : float >= 0, keyword-only, default=0.0
        A head whose sink, local or entropy descriptor lies within ``margin`` of its
        threshold (:data:`~contexture_lab.heads.KIND_THRESHOLDS`) is of kind
        ``borderline``: a count of kinds
        then does not move with rounding noise in the attentions (pass a margin wider than
        that noise, e.g. 0.02). 0 keeps every head in one of the four kinds.

    Returns
    -------
    dict of ndarrays of shape (L, H)
        ``local`` (mass on the same or an adjacent token), ``sink`` (mass on ``sinks``),
        ``entropy`` (row entropy over log T: 0 one key, 1 uniform), ``s1``,
        ``effective_dimension`` (the participation ratio, the lab's own measure),
        ``decay_rate``, ``kernel_deviation``, and
        ``kind`` (ndarray of str: ``sink`` if sink > 0.5, else ``local`` if local > 0.5,
        else ``broad`` if entropy > 0.8, else ``mixed``; ``borderline`` where a
        descriptor lies within ``margin`` of its threshold).
    """
    from ._validation import check_float

    margin = check_float(margin, "margin", low=0.0)
    from . import association
    from .spectrum import contexture

    A = np.asarray(attentions, dtype=np.float64)
    if A.ndim != 5 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"attentions has shape {A.shape}; expected (n, L, H, T, T)")
    n, L, H = A.shape[:3]
    names = ("local", "sink", "entropy", "s1", "effective_dimension", "decay_rate",
             "kernel_deviation")
    out = {k: np.zeros((L, H)) for k in names}
    for i in range(n):
        t = int(lengths[i])
        near = np.abs(np.subtract.outer(np.arange(t), np.arange(t))) <= 1
        sink_cols = sorted({s % t for s in sinks})
        for layer in range(L):
            for h in range(H):
                C = A[i, layer, h, :t, :t]
                ctx = head_context(C)
                s = contexture(ctx, t - 1, on_degenerate="ignore").singular_values
                ent = -np.sum(np.where(C > 0, C * np.log(np.where(C > 0, C, 1)), 0), axis=1)
                values = (C[near].sum() / t, C[:, sink_cols].sum() / t,
                          ent.mean() / np.log(t), s[0], association.effective_dimension(s),
                          association.decay_rate(s), association.kernel_deviation(ctx))
                for k, v in zip(names, values):
                    out[k][layer, h] += v / n
    kind = np.full((L, H), "mixed", dtype=object)
    kind[out["entropy"] > 0.8] = "broad"
    kind[out["local"] > 0.5] = "local"
    kind[out["sink"] > 0.5] = "sink"
    if margin > 0:
        near = np.zeros((L, H), dtype=bool)
        for name, threshold in KIND_THRESHOLDS.items():
            near |= np.abs(out[name] - threshold) < margin
        kind[near] = "borderline"
    out["kind"] = kind.astype(str)
    return out


__all__ = ["HEAD_KINDS", "KIND_THRESHOLDS", "head_context", "head_profiles"]
