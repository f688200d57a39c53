"""Figures for notebook 04 (attention as a contexture operation); drawing only.

The ``draw_*`` functions draw into a given axis and return the artists a widget updates;
the other functions build whole figures from results computed in
:mod:`contexture_lab.attention` and :mod:`contexture_lab.explore.attention`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import PowerNorm

from .core import legend_beside, spectrum


# ---------------------------------------------------------------------- building blocks
def draw_attention_matrix(ax, conditional, labels=None, *, vmax=None, title=None):
    """The attention matrix P(a | x) as an image; class boundaries as thin lines.

    Colours follow a power law (gamma 0.4) so that small weights stay visible next to a
    dominant diagonal.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes to draw on.
    conditional : array-like, shape (N, M)
        Attention weights P(a | x): one row per query x, one column per key a.
    labels : array-like, shape (N,), optional
        Class of each token, with tokens sorted by it: a thin line is drawn wherever the
        class changes.
    vmax : float, optional
        Weight drawn at the top of the colour map; default the largest entry.
    title : str, optional
        Title of the axes.

    Returns
    -------
    matplotlib.image.AxesImage
        The image (update it with ``set_data``/``set_clim``).
    """
    C = np.asarray(conditional, dtype=float)
    image = ax.imshow(C, cmap="magma", norm=PowerNorm(0.4, vmin=0.0, vmax=vmax or C.max()),
                      interpolation="nearest")
    if labels is not None:
        labels = np.asarray(labels)
        for cut in np.flatnonzero(labels[1:] != labels[:-1]) + 0.5:
            ax.axhline(cut, color="w", lw=0.3, alpha=0.6)
            ax.axvline(cut, color="w", lw=0.3, alpha=0.6)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    ax.set_xlabel("key a (context token)")
    ax.set_ylabel("query x")
    if title:
        ax.set_title(title, fontsize=10)
    return image


def attention_colorbar(fig, image, ax):
    """The colourbar of attention matrices each scaled to their own largest weight.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Figure that holds the panels.
    image : matplotlib.image.AxesImage
        One of the images drawn by :func:`draw_attention_matrix` with ``vmax=1``.
    ax : matplotlib.axes.Axes or list of Axes
        The panels the colourbar takes its room from.

    Returns
    -------
    matplotlib.colorbar.Colorbar
        The colourbar, ticks 0, 0.1, 0.5 and "max".
    """
    bar = fig.colorbar(image, ax=ax, ticks=[0.0, 0.1, 0.5, 1.0], shrink=0.9, pad=0.02,
                       aspect=15)
    bar.ax.set_yticklabels(["0", "0.1", "0.5", "max"])
    bar.ax.tick_params(labelsize=9)
    bar.set_label("weight / largest weight", fontsize=10)
    return bar


def draw_spectrum(ax, s, k: int = 40, **kwargs):
    """s_1..s_k as a line on [0, 1] (y limits fixed to it).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes to draw on.
    s : array-like, shape (m,)
        Singular values s_1 >= s_2 >= ... (s_0 left out); the first ``k`` are drawn.
    k : int, default=40
        How many to draw.
    **kwargs : dict
        Passed to :func:`contexture_lab.plotting.core.spectrum` (``label``, ``color``
        ...).

    Returns
    -------
    matplotlib.lines.Line2D
        The line (update it with ``set_ydata``).
    """
    s = np.asarray(s, dtype=float)[:k]
    line = spectrum(s, ax=ax, include_s0=False, **kwargs)
    ax.set_ylim(-0.03, 1.05)
    return line


def draw_sweep_curves(ax, sweep, index: int = 0):
    """Total association and effective dimension (left axis, log) and probe error (right
    axis, only for a sweep with labels) against temperature.

    The probe error is drawn with its spread over random completions of a split cluster
    (an error bar of one standard deviation; none where d ends at a gap).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes to draw on (a twin axis is added for the probe error).
    sweep : TemperatureSweep
        A temperature sweep, :class:`~contexture_lab.explore.attention.TemperatureSweep`.
    index : int, default=0
        Index into ``sweep.temperatures`` where the vertical marker starts.

    Returns
    -------
    matplotlib.lines.Line2D
        The vertical marker line (move it with ``set_xdata``).
    """
    t = sweep.temperatures
    ax.plot(t, np.maximum(sweep.total_association, 1e-3), color="C0", marker="o", ms=3,
            label=r"total association $\sum_i s_i^2$")
    ax.plot(t, sweep.effective_dimension, color="C2", marker="^", ms=3, ls="--",
            label="effective dimension (participation ratio)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("temperature")
    ax.set_ylabel(r"$\sum_i s_i^2$ and participation ratio")
    handles = ax.get_legend_handles_labels()[0]
    if sweep.labels is not None:       # token classes: the probe error on the right axis
        twin = ax.twinx()
        twin.errorbar(t, sweep.probe_error, yerr=sweep.probe_spread, color="C3", marker="s",
                      ms=3, ls="-.", capsize=2,
                      label=f"probe error (top {sweep.d}), right axis")
        twin.set_ylabel("probe error")
        twin.set_ylim(0, max(0.5, 1.1 * float(np.max(sweep.probe_error
                                                     + sweep.probe_spread))))
        twin.grid(False)
        twin.spines["right"].set_visible(True)
        handles += twin.get_legend_handles_labels()[0]
    # one legend for both axes, above them: it covers none of the curves
    ax.legend(handles, [h.get_label() for h in handles], fontsize=9, loc="lower center",
              bbox_to_anchor=(0.5, 1.0), frameon=False, borderaxespad=0.2)
    return ax.axvline(t[index], color="0.3", ls="--", lw=1)


# ---------------------------------------------------------------------- whole figures
def temperature_panels(sweep, temperatures, *, k: int = 40, figsize=(10, 3.2)):
    """Static view of a few temperatures: attention matrices side by side and their spectra.

    Parameters
    ----------
    sweep : TemperatureSweep
        A temperature sweep, :class:`~contexture_lab.explore.attention.TemperatureSweep`.
    temperatures : sequence of float
        Temperatures to show, each on the sweep's grid.
    k : int, default=40
        Singular values drawn per spectrum.
    figsize : tuple of float, default=(10, 3.2)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per temperature (each matrix scaled to its largest weight), then the
        spectra.
    """
    idx = [sweep.index(t) for t in temperatures]
    fig, axes = plt.subplots(1, len(idx) + 1, figsize=figsize, layout="constrained",
                             gridspec_kw={"width_ratios": [1] * len(idx) + [1.6]})
    for ax, i in zip(axes, idx):
        C = sweep.attention[i]
        image = draw_attention_matrix(ax, C / C.max(), sweep.labels, vmax=1.0,
                                      title=f"t = {sweep.temperatures[i]:.3g}")
        ax.set_xlabel("")
        ax.set_ylabel("")
    attention_colorbar(fig, image, list(axes[:-1]))
    for i in idx:
        draw_spectrum(axes[-1], sweep.singular_values[i], k,
                      label=f"t = {sweep.temperatures[i]:.3g}")
    legend_beside(axes[-1], fontsize=10)
    axes[-1].set_title("spectrum of the attention context", fontsize=10)
    return fig


def sweep_summary(sweep, *, figsize=(6.4, 3.2)):
    """Total association, effective dimension and probe error against temperature.

    Parameters
    ----------
    sweep : TemperatureSweep
        A temperature sweep, :class:`~contexture_lab.explore.attention.TemperatureSweep`.
    figsize : tuple of float, default=(6.4, 3.2)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        The curves of :func:`draw_sweep_curves`, without the marker line.
    """
    fig, ax = plt.subplots(figsize=figsize)
    draw_sweep_curves(ax, sweep).remove()
    fig.tight_layout()
    return fig


def depth_figure(spectra, collapse, curves=None, *, k: int = 30, figsize=(9, 3.2)):
    """Spectra of the stacked context after 1..L layers, and the collapse metric per layer.

    Parameters
    ----------
    spectra : sequence of array-like, each shape (m,)
        Singular values s_1 >= ... of the stacked context, one array per depth 1..L.
    collapse : array-like, shape (L + 1,)
        Over-smoothing metric per layer, layer 0 = input (values below 1e-12 are drawn at
        1e-12).
    curves : dict of str to array-like, shape (L + 1,), optional
        Further curves drawn dashed next to the metric, by legend label.
    k : int, default=30
        Singular values drawn per spectrum.
    figsize : tuple of float, default=(9, 3.2)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: the spectra, and the metric per layer on a log scale.
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize)
    for depth, s in enumerate(spectra, start=1):
        draw_spectrum(ax1, s, k, label=f"{depth} layer{'s' * (depth > 1)}")
    ax1.legend(fontsize=10)
    ax1.set_title("spectrum of the stacked context", fontsize=10)
    layers = np.arange(len(collapse))
    floor = 1e-12  # below this the values are rounding noise; draw them on the floor
    ax2.semilogy(layers, np.maximum(collapse, floor), marker="o", label="token spread / input")
    for j, (label, values) in enumerate((curves or {}).items()):
        ax2.semilogy(layers, np.maximum(values, floor), ls="--", marker=".",
                     color=f"C{j + 1}", label=label)
    ax2.set_xlabel("layer")
    ax2.set_ylabel("collapse metric")
    ax2.set_xticks(layers)
    ax2.legend(fontsize=10)
    ax2.set_title("over-smoothing", fontsize=10)
    fig.tight_layout()
    return fig


def _draw_layout(ax, W, layout, title=None):
    layout = np.asarray(layout, dtype=float)
    rows, cols = np.nonzero(np.triu(np.asarray(W)))
    for r, c in zip(rows, cols):
        ax.plot(layout[[r, c], 0], layout[[r, c], 1], color="0.7", ls="-", lw=0.8, zorder=1)
    dots = ax.scatter(layout[:, 0], layout[:, 1], c=np.arange(layout.shape[0]),
                      cmap="viridis", s=22, edgecolors="0.2", linewidths=0.4, zorder=2)
    ax.set_aspect("equal", adjustable="datalim")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    return dots


def graph_learning_figure(result, W, show, *, figsize=(10, 2.8)):
    """2-D layouts (mu_1, mu_2) of the walk context for a few walk lengths, then the graph's.

    ``show`` lists indices into ``result.lengths``; the last panel is the exact eigenvector
    layout. Every panel is drawn in the common orientation of
    :meth:`~contexture_lab.in_context.GraphLearning.aligned_layouts` (a rotation or
    reflection, which changes no span). Node colour = node index (the same node has the
    same colour in every panel).

    Parameters
    ----------
    result : GraphLearning
        The result of :func:`contexture_lab.in_context.graph_learning`.
    W : array-like, shape (n, n)
        The graph's adjacency matrix (edges drawn in grey).
    show : sequence of int
        Indices into ``result.lengths``, one panel each.
    figsize : tuple of float, default=(10, 2.8)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        ``len(show) + 1`` panels and a colourbar of the node index.
    """
    layouts, graph = result.aligned_layouts()
    fig, axes = plt.subplots(1, len(show) + 1, figsize=figsize, layout="constrained")
    for ax, i in zip(axes, show):
        _draw_layout(ax, W, layouts[i][:, :2],
                     f"T = {result.lengths[i]}, R2 = {result.alignment[i]:.2f}")
    dots = _draw_layout(axes[-1], W, graph[:, :2], "graph eigenvectors")
    bar = fig.colorbar(dots, ax=list(axes), shrink=0.8, pad=0.01, aspect=15)
    bar.set_label("node index", fontsize=10)
    bar.ax.tick_params(labelsize=9)
    return fig


def alignment_curve(result, *, ax=None, figsize=(5, 3)):
    """R2_CCA between the walk context's top functions and the graph's, and the fraction of
    nodes the walk has visited, against walk length.

    Parameters
    ----------
    result : GraphLearning
        The result of :func:`contexture_lab.in_context.graph_learning`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure's.
    figsize : tuple of float, default=(5, 3)
        Size of the new figure (used only without ``ax``).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (log x axis).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    n = result.graph_layout.shape[0]
    ax.semilogx(result.lengths, result.alignment, marker="o",
                label=r"$R^2_{CCA}$ with graph eigenvectors")
    ax.semilogx(result.lengths, np.asarray(result.visited) / n, marker="s", ls="--",
                color="C1", label=f"fraction of the {n} nodes seen")
    ax.set_xlabel("walk length T (tokens seen)")
    ax.set_ylabel("alignment, coverage")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=9, loc="lower right")
    return ax


def training_figure(history, before, after, *, reference=None, k: int = 12,
                    figsize=(9, 3.2)):
    """Training loss, and the learned attention context's spectrum before and after.

    Parameters
    ----------
    history : sequence of float
        Mean squared error per epoch (e.g. an ``AttentionLayer``'s ``history_``).
    before, after : array-like, shape (m,)
        Singular values s_1 >= ... of the attention context before and after training.
    reference : array-like, shape (m,), optional
        Singular values of a reference context (the label context), drawn dotted.
    k : int, default=12
        Singular values drawn per spectrum.
    figsize : tuple of float, default=(9, 3.2)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels: the loss per epoch, and the spectra.
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=figsize)
    ax1.plot(np.arange(1, len(history) + 1), history, marker="o", ms=3)
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("mean squared error")
    ax1.set_title("training", fontsize=10)
    draw_spectrum(ax2, before, k, label="before training")
    draw_spectrum(ax2, after, k, label="after training")
    if reference is not None:
        draw_spectrum(ax2, reference, k, label="label context", ls=":", color="0.3")
    legend_beside(ax2)
    ax2.set_title("spectrum of the attention context", fontsize=10)
    fig.tight_layout()
    return fig


def cross_attention_figure(weights, labels=None, *, query_title="query x", figsize=(8, 2.6)):
    """Bars of P(a_j | x) for one query over the context tokens a_j (cross-attention).

    Parameters
    ----------
    weights : array-like, shape (M,)
        Attention weights of the query over the M context tokens.
    labels : array-like of int, shape (M,), optional
        Class of each context token; bars are coloured by it (tab10).
    query_title : str, default="query x"
        Title of the axes.
    figsize : tuple of float, default=(8, 2.6)
        Figure size in inches.

    Returns
    -------
    matplotlib.figure.Figure
        The bar chart.
    """
    weights = np.asarray(weights, dtype=float)
    fig, ax = plt.subplots(figsize=figsize)
    colours = None if labels is None else [plt.get_cmap("tab10")(int(c) % 10) for c in labels]
    ax.bar(np.arange(weights.size), weights, color=colours)
    ax.set_xlabel("context token j")
    ax.set_ylabel(r"$P(a_j \mid x)$")
    ax.set_title(query_title, fontsize=10)
    fig.tight_layout()
    return fig


__all__ = ["alignment_curve", "attention_colorbar", "cross_attention_figure", "depth_figure",
           "draw_attention_matrix", "draw_spectrum", "draw_sweep_curves",
           "graph_learning_figure", "sweep_summary", "temperature_panels", "training_figure"]
