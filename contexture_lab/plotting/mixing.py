"""Figures for mixing contexts (notebook 06 and the mixing explorer).

Everything here draws arrays that :mod:`contexture_lab.explore.mixing` computed. The
explorer's figure is :class:`MixingPanels`, whose :meth:`~MixingPanels.show` only moves
existing artists; :func:`sweep_overview` is its static fallback.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from .core import COLOUR_NAMES, legend_beside

#: Colours of the first parent (blue), the second parent (green) and the mixture (red),
#: from the lab's colour-blind-safe palette (:data:`~contexture_lab.plotting.core.COLOUR_NAMES`).
COLOURS = (COLOUR_NAMES["blue"], COLOUR_NAMES["green"], COLOUR_NAMES["red"])

#: How the first parent, the second parent and the mixture are drawn in every panel: each
#: has its own colour, line style and marker (never told apart by colour alone).
ROLE_STYLES = (dict(color=COLOURS[0], ls="--", marker="^"),
               dict(color=COLOURS[1], ls="-.", marker="v"),
               dict(color=COLOURS[2], ls="-", marker="o"))

#: Styles of the other mixtures drawn beside them (convolution, concatenation).
OTHER_STYLES = {"convolution": dict(color=COLOUR_NAMES["orange"], ls=(0, (5, 1)), marker="s"),
                "concatenation": dict(color="0.3", ls=":", marker="D")}

#: Marker of each operation on the strength plane.
OP_MARKERS = {"convex": "o", "convolution": "s", "concatenation": "D"}


def _strength_axes(ax, sweep) -> None:
    """The association plane: sum s_i^2 (log) against the kernel deviation."""
    x = sweep.metrics["sum_s2"]
    y = sweep.metrics["kernel_deviation"]
    ax.set_xscale("log")
    ax.set_xlim(x.min() / 1.6, x.max() * 1.6)
    ax.set_ylim(max(0.0, y.min() - 0.15), min(2.0, y.max() + 0.15))
    ax.set_xlabel("sum of $s_i^2$, i >= 1 (log)")
    ax.set_ylabel("kernel deviation")


def strength_plane(sweep, *, ax=None, pairs=None):
    """Every parent and mixture of a sweep on the association plane, paths per operation.

    x: sum_{i>=1} s_i^2 (how much association in total); y: kernel deviation E|k - 1|.
    Parents are labelled stars; each operation's grid is a line from the first parent.

    Parameters
    ----------
    sweep : MixingSweep
        A sweep of mixtures, :class:`~contexture_lab.explore.mixing.MixingSweep`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new 5 x 3.4 inch figure's.
    pairs : sequence of tuple of str, optional
        Parent pairs whose paths are drawn; default ``sweep.pairs``.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on (log x axis), with a legend beside them.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.4))
    _strength_axes(ax, sweep)
    x, y = sweep.metrics["sum_s2"], sweep.metrics["kernel_deviation"]
    for n, pair in enumerate(pairs or sweep.pairs):
        for op in sweep.operations:
            rows = sweep.path(pair, op)
            ax.plot(x[rows], y[rows], marker=OP_MARKERS[op], ms=4, lw=1,
                    ls=":" if op == "concatenation" else "-",
                    color=f"C{(n * 3 + list(OP_MARKERS).index(op)) % 10}",
                    label=f"{pair[0]} & {pair[1]}: {op}")
    for name in sweep.parents:
        i = sweep.parent_row(name)
        ax.plot(x[i], y[i], marker="*", ms=11, color="k", ls="none")
        ax.annotate(name, (x[i], y[i]), textcoords="offset points", xytext=(6, 4),
                    fontsize=10)
    legend_beside(ax, fontsize=10)
    return ax


def error_along(sweep, pair, *, d, ax=None):
    """Probe error along the convex weight, with each parent's (and the concatenation's)
    error as a flat line.

    Parameters
    ----------
    sweep : MixingSweep
        A sweep of mixtures, :class:`~contexture_lab.explore.mixing.MixingSweep`.
    pair : tuple of str
        The two parents, by name.
    d : int
        Keyword-only: encoder dimension, one of ``sweep.d_values``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new 4.5 x 3.2 inch figure's.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on, with a legend beside them.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3.2))
    j = sweep.d_index(d)
    err = sweep.probe_error[:, j]
    if "convex" in sweep.operations:
        rows = sweep.grid_rows(pair, "convex")
        ax.plot(sweep.weights, err[rows], ms=5, lw=1.4, **ROLE_STYLES[2],
                label="convex combination")
    ends = [sweep.weights.min(), sweep.weights.max()] if sweep.weights.size else [0.0, 1.0]
    for k, name in enumerate(pair):
        ax.plot(ends, [err[sweep.parent_row(name)]] * 2, lw=1.2, ms=6, **ROLE_STYLES[k],
                label=f"{name} alone")
    if "concatenation" in sweep.operations:
        ax.plot(ends, [err[sweep.row(pair, "concatenation")]] * 2, lw=1.2, ms=5,
                **OTHER_STYLES["concatenation"], label="concatenation")
    ax.set_xlabel(f"weight w of {pair[0]}")
    ax.set_ylabel(f"probe error (d = {d})")
    legend_beside(ax, fontsize=10)
    return ax


def sweep_overview(sweep, pair=None, *, d=None):
    """Static fallback of the mixing explorer for one pair: spectra, plane, error (one
    panel a row, each legend beside its panel).

    Parameters
    ----------
    sweep : MixingSweep
        A sweep of mixtures, :class:`~contexture_lab.explore.mixing.MixingSweep`.
    pair : tuple of str, optional
        The two parents, by name; default ``sweep.pairs[0]``.
    d : int, optional
        Encoder dimension of the error panel; default the largest of ``sweep.d_values``.

    Returns
    -------
    matplotlib.figure.Figure
        Three panels: the parents' and the mid-grid mixtures' spectra, the association
        plane, the probe error along the weight.
    """
    pair = tuple(pair or sweep.pairs[0])
    d = int(sweep.d_values[-1]) if d is None else d
    # one panel a row, each with its legend beside it (as wide as the column)
    fig, axes = plt.subplots(3, 1, figsize=(9.0, 8.4), layout="constrained")
    idx = np.arange(1, sweep.singular_values.shape[1] + 1)
    every = max(1, idx.size // 8)
    for k, name in enumerate(pair):
        axes[0].plot(idx, sweep.singular_values[sweep.parent_row(name)], lw=1.4, ms=4,
                     markevery=every, **ROLE_STYLES[k], label=name)
    texts = {"convex": "convex, w = {:g}", "convolution": "convolution, depth {:g}"}
    for op, text in texts.items():
        if op in sweep.operations:
            grid = sweep.weights if op == "convex" else sweep.depths
            value = grid[len(grid) // 2]
            style = ROLE_STYLES[2] if op == "convex" else OTHER_STYLES[op]
            axes[0].plot(idx, sweep.singular_values[sweep.row(pair, op, value)], lw=1.2,
                         ms=4, markevery=every, **style, label=text.format(value))
    if "concatenation" in sweep.operations:
        axes[0].plot(idx, sweep.singular_values[sweep.row(pair, "concatenation")], lw=1.2,
                     ms=4, markevery=every, **OTHER_STYLES["concatenation"],
                     label="concatenation")
    axes[0].set_ylim(0, 1.05)
    axes[0].set_xlabel("index i")
    axes[0].set_ylabel("$s_i$")
    legend_beside(axes[0])
    axes[0].set_title("spectra", fontsize=10)
    strength_plane(sweep, ax=axes[1], pairs=[pair])
    axes[1].get_legend().remove()
    legend_beside(axes[1])
    axes[1].set_title("association strength", fontsize=10)
    error_along(sweep, pair, d=d, ax=axes[2])
    axes[2].set_title("downstream error", fontsize=10)
    return fig


class MixingPanels:
    """The mixing explorer's figure: artists made once, moved by :meth:`show`.

    Panels: the spectra of the two parents and of the mixture; the association plane
    (sum s_i^2 against kernel deviation) with every grid point faint, the parents and the
    mixture marked; the probe error against d for the parents and the mixture (two panels
    a row, in a figure of :attr:`FIGSIZE` at 100 dpi). Each of the three has its colour,
    line style and marker (:data:`ROLE_STYLES`) in every panel, keyed by one legend in
    the fourth cell. Axis limits are fixed by the whole sweep, so a
    step only moves data.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    sweep : contexture_lab.explore.mixing.MixingSweep
    """

    #: Legend entries of the three roles.
    NAMES = ("first parent", "second parent", "mixture")

    #: Figure size (inches, at the explorers' 100 dpi: 900 px wide).
    FIGSIZE = (9.0, 6.2)

    def __init__(self, figure, sweep):
        self.sweep = sweep
        # two panels a row (each over 250 px in the 900 px canvas of FIGSIZE); the fourth
        # cell holds the legend
        (ax_s, ax_a), (ax_e, ax_key) = figure.subplots(2, 2)
        ax_key.axis("off")
        self.axes = (ax_s, ax_a, ax_e)
        d_max = sweep.singular_values.shape[1]
        idx = np.arange(1, d_max + 1)
        every = max(1, d_max // 8)
        self.spectra = [ax_s.plot(idx, sweep.singular_values[0], lw=1.6, ms=4,
                                  markevery=every, **style)[0] for style in ROLE_STYLES]
        ax_s.set_xlim(0.5, d_max + 0.5)
        ax_s.set_ylim(0, 1.05)
        ax_s.set_xlabel("index i")
        ax_s.set_title("spectrum $s_i$", fontsize=10)

        _strength_axes(ax_a, sweep)
        self.grid_points, = ax_a.plot(sweep.metrics["sum_s2"], sweep.metrics["kernel_deviation"],
                                      ls="none", marker="o", ms=3, color="0.75")
        self.path, = ax_a.plot([], [], color=COLOURS[2], lw=1, alpha=0.6)
        self.points = [ax_a.plot([], [], ls="none", ms=10 if k < 2 else 8, color=style["color"],
                                 marker=style["marker"], mec="k", mew=0.5)[0]
                       for k, style in enumerate(ROLE_STYLES)]
        ax_a.set_title("association strength", fontsize=10)

        dv = sweep.d_values
        self.errors = [ax_e.plot(dv, sweep.probe_error[0], ms=4, lw=1.4, **style)[0]
                       for style in ROLE_STYLES]
        self.d_marker = ax_e.axvline(dv[-1], color="0.4", lw=1, ls=":")
        ax_e.set_xscale("log", base=2)
        ax_e.set_xticks(dv)
        ax_e.set_xticklabels([str(v) for v in dv])
        ax_e.minorticks_off()
        finite = sweep.probe_error[np.isfinite(sweep.probe_error)]
        ax_e.set_ylim(0, min(1.0, finite.max() * 1.1 + 0.02))
        ax_e.set_xlabel("encoder dimension d")
        ax_e.set_title("probe error of the contexture", fontsize=10)
        handles = [Line2D([], [], lw=1.6, ms=6, **style) for style in ROLE_STYLES]
        handles += [Line2D([], [], ls="none", marker="o", ms=4, color="0.75"),
                    Line2D([], [], color=COLOURS[2], lw=1, alpha=0.6)]
        self.legend = ax_key.legend(handles, [*self.NAMES, "every grid point",
                                              "the operation's path"],
                                    loc="center", ncol=1, frameon=False)
        figure.tight_layout(h_pad=1.5, w_pad=2.0)

    @property
    def artists(self) -> list:
        """Every artist that :meth:`show` moves (for blitting)."""
        return [*self.spectra, self.path, *self.points, *self.errors, self.d_marker]

    def show(self, rows, path, j: int) -> None:
        """Draw the first parent, the second parent and the mixture.

        Parameters
        ----------
        rows : sequence of int, length 3
            Rows of the sweep of (first parent, second parent, mixture).
        path : array-like of int
            Rows of the current operation's path (``MixingSweep.path``).
        j : int
            Index into ``sweep.d_values`` of the marked encoder dimension.
        """
        sw = self.sweep
        x, y = sw.metrics["sum_s2"], sw.metrics["kernel_deviation"]
        for k, i in enumerate(rows):
            self.spectra[k].set_ydata(sw.singular_values[i])
            self.points[k].set_data([x[i]], [y[i]])
            self.errors[k].set_ydata(sw.probe_error[i])
        self.path.set_data(x[path], y[path])
        d = sw.d_values[j]
        self.d_marker.set_xdata([d, d])


__all__ = ["COLOURS", "MixingPanels", "OP_MARKERS", "OTHER_STYLES", "ROLE_STYLES",
           "error_along", "strength_plane", "sweep_overview"]
