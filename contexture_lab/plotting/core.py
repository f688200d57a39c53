"""Common lab figures: spectra, functions drawn as images or on a graph layout."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

#: Modest sizes keep notebooks small and diff-friendly.
LAB_STYLE = {
    "figure.figsize": (6.4, 3.4),
    "figure.dpi": 72,
    "savefig.dpi": 72,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10,
    "svg.hashsalt": "contexture_lab",
}


def lab_style():
    """A context manager applying :data:`LAB_STYLE`."""
    return mpl.rc_context(LAB_STYLE)


def use_lab_style() -> None:
    """Apply :data:`LAB_STYLE` for the rest of the session (call once in a notebook)."""
    mpl.rcParams.update(LAB_STYLE)


def spectrum(s, *, ax=None, label=None, log=False, include_s0=True, **kwargs):
    """Stem-like plot of singular values s_1..s_k (s_0 = 1 drawn apart when asked).

    Parameters
    ----------
    s : array-like, shape (k,)   s_1 >= s_2 >= ...
    """
    s = np.asarray(s, dtype=float)
    if ax is None:
        _, ax = plt.subplots()
    i = np.arange(1, s.size + 1)
    line, = ax.plot(i, s, marker="o", ms=3, lw=1, label=label, **kwargs)
    if include_s0:
        ax.plot([0], [1.0], marker="*", ms=9, color="0.3", ls="none")
    ax.set_xlabel("index i")
    ax.set_ylabel("singular value $s_i$")
    if log:
        ax.set_yscale("log")
    return line


def spectrum_comparison(spectra: dict, *, ax=None, log=False, title=None):
    """Several spectra on one axis; ``spectra`` maps a label to s_1..s_k."""
    if ax is None:
        _, ax = plt.subplots()
    for name, s in spectra.items():
        spectrum(s, ax=ax, label=name, log=log, include_s0=False)
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def image_grid(values, image_shape, *, titles=None, ncols=None, cmap="RdBu_r",
               symmetric=True, figsize=None):
    """Draw each column of ``values`` (n_pixels, k) as an image of ``image_shape``.

    Used for singular functions of a context on pixels, or for averages over inputs.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    k = values.shape[1]
    ncols = ncols or min(k, 8)
    nrows = int(np.ceil(k / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize or (1.3 * ncols, 1.45 * nrows),
                             squeeze=False)
    for j, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if j >= k:
            continue
        img = values[:, j].reshape(image_shape)
        lim = np.abs(img).max() or 1.0
        ax.imshow(img, cmap=cmap, vmin=-lim if symmetric else None,
                  vmax=lim if symmetric else None)
        if titles is not None:
            ax.set_title(titles[j], fontsize=8)
    fig.tight_layout()
    return fig


def graph_functions(W, functions, layout, *, titles=None, cmap="RdBu_r", node_size=40,
                    figsize=None):
    """Draw each column of ``functions`` (n, k) as node colours on a graph layout (n, 2)."""
    functions = np.asarray(functions, dtype=float)
    if functions.ndim == 1:
        functions = functions[:, None]
    layout = np.asarray(layout, dtype=float)
    W = np.asarray(W.toarray() if hasattr(W, "toarray") else W)
    k = functions.shape[1]
    fig, axes = plt.subplots(1, k, figsize=figsize or (2.6 * k, 2.6), squeeze=False)
    rows, cols = np.nonzero(np.triu(W))
    for j, ax in enumerate(axes.ravel()):
        f = functions[:, j]
        lim = np.abs(f).max() or 1.0
        for r, c in zip(rows, cols):
            ax.plot(layout[[r, c], 0], layout[[r, c], 1], color="0.8", lw=0.6, zorder=1)
        ax.scatter(layout[:, 0], layout[:, 1], c=f, cmap=cmap, vmin=-lim, vmax=lim,
                   s=node_size, edgecolors="0.3", linewidths=0.4, zorder=2)
        ax.set_aspect("equal")
        ax.axis("off")
        if titles is not None:
            ax.set_title(titles[j], fontsize=9)
    fig.tight_layout()
    return fig
