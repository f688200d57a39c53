"""Figures for association strength (notebook 05 and the association explorer).

Everything here draws arrays that :mod:`contexture_lab.explore.association` computed; the
explorer's figure is :class:`AssociationPanels`, whose :meth:`~AssociationPanels.show`
only moves existing artists (``set_data``/``set_ydata``/``set_offsets``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm, Normalize
from matplotlib.ticker import LogLocator, MaxNLocator, NullFormatter

from .core import LINE_STYLES, legend_beside

#: Label-free measures drawn by :func:`metric_curves`, with their axis labels (matplotlib
#: TeX, so the API reference does not print the value).
#:
#: :meta hide-value:
METRIC_LABELS = {
    "decay_rate": "decay rate $\\lambda$",
    "kernel_deviation": "kernel deviation",
    "tau": "$\\tau$",
    "effective_dimension": "effective dim.",
}


def _scaled(values) -> np.ndarray:
    """Map finite values to [0, 1] (min -> 0, max -> 1); non-finite values become NaN."""
    v = np.asarray(values, dtype=float)
    out = np.full(v.shape, np.nan)
    ok = np.isfinite(v)
    if ok.any():
        lo, hi = v[ok].min(), v[ok].max()
        out[ok] = (v[ok] - lo) / (hi - lo) if hi > lo else 0.5
    return out


def _knob_axis(ax, sweep) -> None:
    if sweep.values.min() > 0 and sweep.values.max() / sweep.values.min() > 20:
        ax.set_xscale("log")
    ax.set_xlabel(sweep.parameter)


def error_curve(sweep, *, d=None, ax=None, label=None, **kwargs):
    """Probe error against the knob for encoder dimension ``d`` (default: largest).

    Parameters
    ----------
    sweep : AssociationSweep
        A sweep of association strength,
        :class:`~contexture_lab.explore.association.AssociationSweep`.
    d : int, optional
        Encoder dimension, one of ``sweep.d_values``; default the largest.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure's.
    label : str, optional
        Legend label; default ``"d = <d>"``.
    **kwargs : dict
        Passed to :meth:`matplotlib.axes.Axes.plot` (``color``, ``ls`` ...).

    Returns
    -------
    matplotlib.lines.Line2D
        The curve, one point per knob value.
    """
    if ax is None:
        _, ax = plt.subplots()
    j = sweep.d_values.size - 1 if d is None else sweep.d_index(d)
    line, = ax.plot(sweep.values, sweep.probe_error[:, j], marker="o", ms=3, lw=1.2,
                    label=label or f"d = {sweep.d_values[j]}", **kwargs)
    _knob_axis(ax, sweep)
    ax.set_ylabel("probe error")
    return line


def error_curves(sweep, *, ax=None, components=True):
    """The probe error against the knob for every d, with the number of components.

    Parameters
    ----------
    sweep : AssociationSweep
        A sweep of association strength,
        :class:`~contexture_lab.explore.association.AssociationSweep`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new 6.4 x 3.4 inch figure's.
    components : bool, default=True
        Write the number of connected components of the context above each knob value
        where it exceeds 1.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on, with one curve per d and a legend beside them.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.4))
    for d in sweep.d_values:
        error_curve(sweep, d=d, ax=ax)
    ax.set_ylim(0, 1.05)
    title = "downstream error of the exact contexture"
    if components:
        for x, c in zip(sweep.values, sweep.metrics["n_components"]):
            if c > 1:
                ax.annotate(f"{int(c)}", (x, 1.0), ha="center", va="top", fontsize=9,
                            color="0.35")
        title += "\n(numbers on top: connected components, when > 1)"
    legend_beside(ax, fontsize=10)
    ax.set_title(title, fontsize=10)
    return ax


def metric_curves(sweep, *, ax=None):
    """Each label-free measure against the knob, scaled to [0, 1] (tau on a log scale).

    Parameters
    ----------
    sweep : AssociationSweep
        A sweep of association strength,
        :class:`~contexture_lab.explore.association.AssociationSweep`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure's.

    Returns
    -------
    dict of str to matplotlib.lines.Line2D
        One line per measure of :data:`METRIC_LABELS`, by its name.
    """
    if ax is None:
        _, ax = plt.subplots()
    lines = {}
    for name, label in METRIC_LABELS.items():
        values = sweep.metrics[name]
        if name == "tau":  # tau spans orders of magnitude near the strong extreme
            values, label = np.log(values), f"log {label}"
        lines[name], = ax.plot(sweep.values, _scaled(values), lw=1.2, label=label)
    _knob_axis(ax, sweep)
    ax.set_ylabel("scaled to [0, 1]")
    ax.set_ylim(-0.05, 1.05)
    legend_beside(ax, fontsize=10)
    return lines


def _measure_axis(ax, values) -> None:
    """A log scale for a measure spanning more than a decade, else linear; a few major
    ticks only (minor labels of a short log axis run into each other)."""
    v = values[np.isfinite(values) & (values > 0)]
    if v.size and v.max() / v.min() > 10:
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        ax.xaxis.set_major_locator(MaxNLocator(4))


def metrics_against_error(sweep, correlations: dict, *, d=None):
    """One scatter per label-free measure against the probe error, r in each title.

    ``d=None`` (default) plots err_d*, the error at the best d per knob value (the target
    of :func:`contexture_lab.explore.association.correlations` by default). Colour: the
    knob value (a colourbar says which).

    Parameters
    ----------
    sweep : AssociationSweep
        A sweep of association strength,
        :class:`~contexture_lab.explore.association.AssociationSweep`.
    correlations : dict of str to float
        Correlation r of each measure of :data:`METRIC_LABELS` with the error, by name
        (e.g. from :func:`contexture_lab.explore.association.correlations`).
    d : int, optional
        Encoder dimension whose error is plotted; default the best d per knob value.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per measure, sharing the error axis.
    """
    err = sweep.best_error if d is None else sweep.probe_error[:, sweep.d_index(d)]
    fig, axes = plt.subplots(1, len(METRIC_LABELS), figsize=(10, 3.0), sharey=True,
                             layout="constrained")
    positive = sweep.values.min() > 0
    norm = (LogNorm if positive else Normalize)(sweep.values.min(), sweep.values.max())
    for ax, (name, label) in zip(axes, METRIC_LABELS.items()):
        m = sweep.metrics[name]
        ok = np.isfinite(m)
        dots = ax.scatter(m[ok], err[ok], c=sweep.values[ok], cmap="viridis", norm=norm,
                          s=18)
        _measure_axis(ax, m[ok])
        ax.set_xlabel(label)
        ax.set_title(f"r = {correlations[name]:.2f}", fontsize=10)
    axes[0].set_ylabel("probe error at the best d" if d is None else f"probe error (d = {d})")
    fig.colorbar(dots, ax=axes, label=sweep.parameter + (" (log scale)" if positive else ""),
                 pad=0.01, aspect=20)
    fig.suptitle("one dot per knob value", fontsize=10)
    return fig


def spectra_along(sweep, values, *, ax=None):
    """Spectra s_1..s_d (log scale) at a few knob values.

    Parameters
    ----------
    sweep : AssociationSweep
        A sweep of association strength,
        :class:`~contexture_lab.explore.association.AssociationSweep`.
    values : sequence of float
        Knob values, each on the sweep's grid; one line each.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure's.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on, with a legend beside them.
    """
    if ax is None:
        _, ax = plt.subplots()
    cmap = plt.get_cmap("viridis")
    for n, value in enumerate(values):
        s = sweep.singular_values[sweep.index(value)]
        ax.plot(np.arange(1, s.size + 1), s, marker="o", ms=2, lw=1.2,
                ls=LINE_STYLES[n % len(LINE_STYLES)],
                color=cmap(0.9 * n / max(1, len(values) - 1)),
                label=f"{sweep.parameter} = {value:g}")
    ax.set_yscale("log")
    ax.set_xlabel("index i")
    ax.set_ylabel("$s_i$")
    legend_beside(ax, fontsize=10)
    return ax


def sweep_overview(sweep, *, d=None, values=None):
    """Static fallback of the explorer: spectra along the knob, errors, scaled measures.

    Parameters
    ----------
    sweep : AssociationSweep
        A sweep of association strength,
        :class:`~contexture_lab.explore.association.AssociationSweep`.
    d : int, optional
        Not used: the error panel draws every d.
    values : sequence of float, optional
        Knob values whose spectra are drawn; default five spread evenly over the grid.

    Returns
    -------
    matplotlib.figure.Figure
        Three panels: spectra, probe errors, label-free measures.
    """
    if values is None:
        values = sweep.values[np.linspace(0, sweep.values.size - 1, 5).astype(int)]
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.4), layout="constrained")
    spectra_along(sweep, values, ax=axes[0])
    axes[0].set_title("spectrum")
    error_curves(sweep, ax=axes[1], components=False)
    axes[1].set_title("probe error")
    metric_curves(sweep, ax=axes[2])
    axes[2].set_title("label-free measures")
    return fig


def function_images(sweep, value, *, n=6):
    """The top ``n`` left functions at one knob value, seen as images E[X mu_i(X)].

    Parameters
    ----------
    sweep : AssociationSweep
        A sweep of association strength,
        :class:`~contexture_lab.explore.association.AssociationSweep`.
        It must have images (``sweep.images`` not None).
    value : float
        A knob value on the sweep's grid.
    n : int, default=6
        How many functions to show (at most those stored).

    Returns
    -------
    matplotlib.figure.Figure
        The grid of :func:`contexture_lab.plotting.core.image_grid`.
    """
    from .core import image_grid

    images = sweep.images[sweep.index(value), :, :n]
    return image_grid(images, sweep.image_shape,
                      titles=[f"$\\mu_{i + 1}$" for i in range(images.shape[1])])


class AssociationPanels:
    """The association explorer's figure: artists made once, moved by :meth:`show`.

    Panels, two a row: the spectrum (log scale) with the current d marked; the inputs
    embedded by (mu_1, mu_2) and coloured by label; the probe error against the knob with
    the current point marked; the label-free measures (scaled) with the current knob
    value; and below, the top functions as images (when the sweep has images). Draw it in
    a figure of :attr:`FIGSIZE` (``FIGSIZE_NO_IMAGES``) at 100 dpi.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    sweep : contexture_lab.explore.association.AssociationSweep
    """

    #: Figure size (inches, at the explorers' 100 dpi: 900 px wide) with and without the
    #: row of function images.
    FIGSIZE = (9.0, 7.4)
    FIGSIZE_NO_IMAGES = (9.0, 5.6)

    def __init__(self, figure, sweep):
        self.sweep = sweep
        has_images = sweep.images is not None
        # two panels a row (each over 250 px in the 900 px canvas of FIGSIZE), room on the
        # right for the digits' and the measures' legends, the function images below
        gs = figure.add_gridspec(3 if has_images else 2, 2,
                                 height_ratios=[1, 1, 0.75] if has_images else [1, 1],
                                 left=0.08, right=0.79, top=0.95, bottom=0.04,
                                 wspace=0.42, hspace=0.62)
        self.ax_spectrum = figure.add_subplot(gs[0, 0])
        self.ax_embed = figure.add_subplot(gs[0, 1])
        self.ax_error = figure.add_subplot(gs[1, 0])
        self.ax_metrics = figure.add_subplot(gs[1, 1])
        s_all = sweep.singular_values[np.isfinite(sweep.singular_values)]
        d_max = sweep.singular_values.shape[1]
        idx = np.arange(1, d_max + 1)
        ax = self.ax_spectrum
        self.spectrum_line, = ax.plot(idx, sweep.singular_values[0], marker="o", ms=2, lw=1)
        self.d_line = ax.axvline(sweep.d_values[-1], color="C3", lw=1, ls="--")
        ax.set_yscale("log")
        ax.set_ylim(max(s_all[s_all > 0].min() * 0.7, 1e-4), 1.3)
        ax.set_xlim(0, d_max + 1)
        ax.set_xlabel("index i")
        ax.set_title("spectrum $s_i$", fontsize=10)

        ax = self.ax_embed
        labels = (sweep.labels if sweep.labels is not None
                  else np.zeros(sweep.left.shape[1], dtype=int))
        classes = np.unique(labels)
        self._groups = [np.flatnonzero(labels == c) for c in classes]
        cmap = plt.get_cmap("tab10")
        # one Line2D per class: marker stamping draws far faster than a coloured scatter
        self.embedding = [ax.plot([], [], ls="none", marker="o", ms=1.8, mew=0,
                                  color=cmap(n % 10), label=str(c))[0]
                          for n, c in enumerate(classes)]
        ax.set_xlabel("$\\mu_1(x)$", labelpad=1)
        ax.set_ylabel("$\\mu_2(x)$", labelpad=1)
        ax.tick_params(labelsize=9, pad=1)
        # the limits follow the points at every step, so the ticks move with them: both
        # axes are drawn with the moving artists (blitted), not into the background
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_locator(MaxNLocator(4))
        if sweep.labels is not None:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), borderaxespad=0.2,
                      fontsize=9, markerscale=3, handlelength=0.6, handletextpad=0.3,
                      labelspacing=0.2, borderpad=0.3, title="digit", title_fontsize=10)
        ax.set_title("inputs at $(\\mu_1, \\mu_2)$", fontsize=10)

        ax = self.ax_error
        self.error_line = error_curve(self.sweep, ax=ax)
        self.error_marker, = ax.plot([], [], marker="o", ms=8, color="C3", ls="none")
        ax.set_ylim(0, 1)
        ax.set_title("probe error", fontsize=10)

        ax = self.ax_metrics
        metric_curves(sweep, ax=ax)
        self.knob_line = ax.axvline(sweep.values[0], color="C3", lw=1, ls="--")
        ax.set_title("label-free measures", fontsize=10)

        self.mosaic = None
        if has_images:
            ax = figure.add_subplot(gs[2, :])
            ax.axis("off")
            n_img = sweep.images.shape[2]
            ax.set_title(f"top functions $\\mu_1 .. \\mu_{{{n_img}}}$ seen as images "
                         "$E[X \\mu_i(X)]$ (red > 0 > blue)", fontsize=10)
            cmap = plt.get_cmap("RdBu_r").with_extremes(bad="white")
            # all functions in one image (one resampling per step instead of one each)
            self.mosaic = ax.imshow(self._mosaic(0), cmap=cmap, vmin=-1, vmax=1,
                                    interpolation="nearest")
            bar = figure.colorbar(self.mosaic, ax=ax, ticks=[-1, 0, 1], shrink=0.9,
                                  aspect=8, pad=0.01)
            bar.ax.set_yticklabels(["$-$max", "0", "+max"])
            bar.ax.tick_params(labelsize=9)

    def _mosaic(self, i: int) -> np.ndarray:
        """The images of knob index ``i`` side by side, each scaled to [-1, 1]."""
        sw = self.sweep
        h, w = sw.image_shape
        n_img = sw.images.shape[2]
        out = np.full((h, n_img * (w + 1) - 1), np.nan)
        for k in range(n_img):
            img = sw.images[i, :, k].reshape(h, w)
            out[:, k * (w + 1):k * (w + 1) + w] = img / (np.abs(img).max() or 1.0)
        return out

    @property
    def artists(self) -> list:
        """Every artist that :meth:`show` moves (for blitting)."""
        extra = [] if self.mosaic is None else [self.mosaic]
        return [self.spectrum_line, self.d_line, *self.embedding, self.ax_embed.xaxis,
                self.ax_embed.yaxis, self.error_line, self.error_marker, self.knob_line,
                *extra]

    def show(self, i: int, j: int) -> None:
        """Move the artists to knob index ``i`` and encoder-dimension index ``j``.

        Parameters
        ----------
        i : int
            Index into ``sweep.values``.
        j : int
            Index into ``sweep.d_values``.
        """
        sw = self.sweep
        d = sw.d_values[j]
        self.spectrum_line.set_ydata(sw.singular_values[i])
        self.d_line.set_xdata([d + 0.5, d + 0.5])
        emb = sw.left[i, :, :2]
        for line, rows in zip(self.embedding, self._groups):
            line.set_data(emb[rows, 0], emb[rows, 1])
        lo, hi = np.nanmin(emb, axis=0), np.nanmax(emb, axis=0)
        pad = 0.06 * (hi - lo) + 1e-9
        self.ax_embed.set_xlim(lo[0] - pad[0], hi[0] + pad[0])
        self.ax_embed.set_ylim(lo[1] - pad[1], hi[1] + pad[1])
        self.error_line.set_ydata(sw.probe_error[:, j])
        self.error_line.set_label(f"d = {d}")
        self.error_marker.set_data([sw.values[i]], [sw.probe_error[i, j]])
        self.knob_line.set_xdata([sw.values[i], sw.values[i]])
        if self.mosaic is not None:
            self.mosaic.set_data(self._mosaic(i))


__all__ = ["AssociationPanels", "METRIC_LABELS", "error_curve", "error_curves",
           "function_images", "metric_curves", "metrics_against_error", "spectra_along",
           "sweep_overview"]
