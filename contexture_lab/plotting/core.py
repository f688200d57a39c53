"""Common lab figures: spectra, functions drawn as images or on a graph layout."""

from __future__ import annotations

import os
import sys

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from .figure_check import problems

#: Okabe & Ito's palette (Color Universal Design, 2008): told apart under the common colour
#: vision deficiencies; the line styles repeat with it, so lines never differ by colour alone.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
             "#000000")
#: The palette's colours by the words the notebooks' prose may use for them ("the mixture
#: (red)"): a colour word in the text must name one of these, drawn in that colour.
COLOUR_NAMES = {"blue": OKABE_ITO[0], "orange": OKABE_ITO[1], "green": OKABE_ITO[2],
                "pink": OKABE_ITO[3], "light blue": OKABE_ITO[4], "red": OKABE_ITO[5],
                "yellow": OKABE_ITO[6], "black": OKABE_ITO[7]}
LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)), (0, (1, 2)),
               (0, (8, 2, 2, 2)))

#: Width of the notebook column at 100 % zoom (JupyterLab with its file browser open; the
#: book's text column): every inline figure is shown this wide (see :func:`fit_to_column`).
COLUMN_PX = 900


#: Figures are drawn 9 inches wide at 100 dpi, the width of the notebook column, so a
#: point of font size is about 1.4 pixels on screen (10.5 pt text reads as 14.6 px, the
#: size of the notebook's own text); inline figures are stored at twice the pixel density
#: (retina), crisp on high-resolution screens and projectors.
LAB_STYLE = {
    "figure.figsize": (9.0, 3.6),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10.5,
    "axes.titlesize": 11,
    "axes.labelsize": 10.5,
    "legend.fontsize": 10,
    "legend.framealpha": 0.85,
    "legend.title_fontsize": 10,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "axes.prop_cycle": mpl.cycler(color=OKABE_ITO, linestyle=LINE_STYLES),
    "image.cmap": "viridis",
    "svg.hashsalt": "contexture_lab",
}


def lab_style():
    """A context manager applying :data:`~contexture_lab.plotting.core.LAB_STYLE`.

    Returns
    -------
    contextlib.AbstractContextManager
        :func:`matplotlib.rc_context` with the lab's style: figures drawn inside the
        ``with`` block use it, and the previous settings come back after it.
    """
    return mpl.rc_context(LAB_STYLE)


def use_lab_style() -> None:
    """Apply :data:`~contexture_lab.plotting.core.LAB_STYLE` for the rest of the session (call
    once in a notebook).

    In a Jupyter kernel, inline figures are also stored as retina PNGs (twice the pixels
    of their nominal size), crisp on high-resolution screens and projectors, and each is
    scaled to fill the notebook column (:func:`fit_to_column`) as it is shown.
    """
    mpl.rcParams.update(LAB_STYLE)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
        from matplotlib_inline.config import InlineBackend
    except ImportError:       # plain Python: nothing inline to configure
        return
    shell = get_ipython()
    if shell is None:
        return
    # the configuration survives a later %matplotlib inline, which re-reads it
    InlineBackend.instance(parent=shell).figure_formats = {"retina"}
    set_matplotlib_formats("retina")
    _wrap_inline_figures(shell)
    # %matplotlib inline re-registers the figure formatter: wrap it again before each cell
    shell.events.register("pre_run_cell", lambda *_: _wrap_inline_figures(shell))


def set_display_width(fig, width_px: float, *, reason: str):
    """Show ``fig`` ``width_px`` pixels wide instead of the column's width.

    For a figure that is deliberately small (a single digit, an icon-sized sketch);
    ``reason`` says why, and is kept on the figure (``fig.lab_display_reason``). The
    figure check still requires its text to be at least ``MIN_TEXT_PX`` pixels.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to show narrower than the column.
    width_px : float
        Its width on screen in pixels at 100 % zoom, in [50, ``COLUMN_PX``].
    reason : str
        Keyword-only: why the figure is narrower (not empty).

    Returns
    -------
    matplotlib.figure.Figure
        ``fig`` itself, with ``lab_display_width`` and ``lab_display_reason`` set.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError("reason must say why the figure is narrower than the column, got "
                         f"{reason!r}")
    width_px = float(width_px)
    if not 50 <= width_px <= COLUMN_PX:
        raise ValueError(f"width_px must lie in [50, {COLUMN_PX}], got {width_px}")
    fig.lab_display_width = width_px
    fig.lab_display_reason = reason
    return fig


def display_width_in(fig) -> float:
    """Width in inches of ``fig`` as the inline backend crops it (``bbox_inches="tight"``
    with matplotlib's ``savefig.pad_inches``).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure; it is laid out (not rasterised) to measure it.

    Returns
    -------
    float
        The cropped width in inches, padding on both sides included.
    """
    fig.draw_without_rendering()          # lays the figure out; rasterises nothing
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    pad = mpl.rcParams["savefig.pad_inches"]
    pad = 0.1 if pad == "layout" else float(pad)
    return float(box.width) + 2 * pad


def fit_to_column(fig, width_px: float | None = None):
    """Set ``fig``'s dpi so that, cropped as the inline backend crops it, it is
    ``width_px`` pixels wide (default ``COLUMN_PX``, or the width given to
    :func:`set_display_width`).

    Only the dpi changes, so the layout (in inches and points) is the one drawn: text
    scales with the figure; fonts are then ``size * dpi / 72`` pixels.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure whose dpi is set.
    width_px : float, optional
        The cropped width wanted, in pixels; default ``fig.lab_display_width`` when
        :func:`set_display_width` set it, else ``COLUMN_PX``.

    Returns
    -------
    float
        The new dpi of ``fig``.
    """
    if width_px is None:
        width_px = getattr(fig, "lab_display_width", COLUMN_PX)
    # one layout pass: the cropped width in inches barely depends on the dpi (text extents
    # round to whole pixels), so the figure comes out within a few pixels of width_px
    dpi = float(width_px) / display_width_in(fig)
    fig.set_dpi(dpi)
    return dpi


#: With this environment variable set to 1, every inline figure of a notebook is checked
#: for overlapping or clipped text and legends on data before it is shown; findings are
#: printed to stderr, which nbval reports as a changed output.
CHECK_FIGURES_ENV = "CONTEXTURE_LAB_CHECK_FIGURES"


def _wrap_inline_figures(shell) -> None:
    """Wrap the inline PNG formatter: fit each figure to the column, then (with
    :data:`CHECK_FIGURES_ENV` set) check its layout and text sizes before it is shown."""
    from matplotlib.figure import Figure


    formatter = shell.display_formatter.formatters["image/png"]
    try:
        show = formatter.lookup_by_type(Figure)
    except KeyError:          # no inline PNG formatter registered (another backend)
        return
    if getattr(show, "fits_column", False):
        return

    def fitted(fig):
        fit_to_column(fig)
        if os.environ.get(CHECK_FIGURES_ENV, "") not in ("", "0"):
            found = problems(fig, inside_figure=False)
            for problem in found[:3]:
                print(f"figure check: {problem}", file=sys.stderr)
            if len(found) > 3:
                print(f"figure check: ... and {len(found) - 3} more", file=sys.stderr)
        return show(fig)

    fitted.fits_column = True
    formatter.for_type(Figure, fitted)


def legend_beside(ax, **kwargs):
    """A legend to the right of ``ax``, outside its data area, so it covers no data.

    The inline backend crops figures tightly around it; in a fixed-size figure leave room
    on the right (``figure.subplots_adjust(right=...)``).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes whose labelled artists the legend lists.
    **kwargs : dict
        Passed to :meth:`matplotlib.axes.Axes.legend` (``fontsize``, ``title``, ``ncol``
        ...); ``loc``, ``bbox_to_anchor`` and ``borderaxespad`` default to the place
        beside the axes.

    Returns
    -------
    matplotlib.legend.Legend
        The legend drawn.
    """
    kwargs.setdefault("loc", "upper left")
    kwargs.setdefault("bbox_to_anchor", (1.02, 1.0))
    kwargs.setdefault("borderaxespad", 0.0)
    return ax.legend(**kwargs)


#: Legend entry of the star that :func:`spectrum` draws at index 0 (matplotlib TeX).
#:
#: :meta hide-value:
S0_LABEL = "$s_0 = 1$ (constant function)"


def spectrum(s, *, ax=None, label=None, log=False, include_s0=True, **kwargs):
    """Stem-like plot of singular values s_1..s_k (s_0 = 1 drawn apart when asked).

    Parameters
    ----------
    s : array-like, shape (k,)
        The singular values s_1 >= s_2 >= ..., drawn at indices 1..k.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure's.
    label : str, optional
        Legend label of the line.
    log : bool, default=False
        Logarithmic y axis.
    include_s0 : bool, default=True
        Draw s_0 = 1 (the constant function, always there) as a grey star at index 0;
        its legend entry is ``S0_LABEL``, so any legend of the axes explains it.
    **kwargs : dict
        Passed to :meth:`matplotlib.axes.Axes.plot` for the line (``color``, ``ls`` ...).

    Returns
    -------
    matplotlib.lines.Line2D
        The line of s_1..s_k.
    """
    s = np.asarray(s, dtype=float)
    if ax is None:
        _, ax = plt.subplots()
    i = np.arange(1, s.size + 1)
    line, = ax.plot(i, s, marker="o", ms=3, lw=1, label=label, **kwargs)
    if include_s0:
        star = S0_LABEL if not any(ln.get_label() == S0_LABEL for ln in ax.lines) else None
        ax.plot([0], [1.0], marker="*", ms=11, color="0.3", ls="none",
                label=star or "_nolegend_")
    ax.set_xlabel("index i")
    ax.set_ylabel("singular value $s_i$")
    if log:
        ax.set_yscale("log")
    return line


def spectrum_comparison(spectra: dict, *, ax=None, log=False, title=None):
    """Several spectra on one axis, with a legend beside it.

    Parameters
    ----------
    spectra : dict of str to array-like, shape (k,)
        Legend label -> singular values s_1..s_k (lengths may differ); s_0 is not drawn.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure's.
    log : bool, default=False
        Logarithmic y axis.
    title : str, optional
        Title of the axes.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.
    """
    if ax is None:
        _, ax = plt.subplots()
    for name, s in spectra.items():
        spectrum(s, ax=ax, label=name, log=log, include_s0=False)
    legend_beside(ax)
    if title:
        ax.set_title(title)
    return ax


def image_grid(values, image_shape, *, titles=None, ncols=None, cmap="RdBu_r",
               symmetric=True, figsize=None):
    """Draw each column of ``values`` (n_pixels, k) as an image of ``image_shape``.

    Used for singular functions of a context on pixels, or for averages over inputs. Each
    image is scaled to its own largest magnitude (symmetric maps: blue negative, red
    positive); one colourbar says so.

    Parameters
    ----------
    values : array-like, shape (n_pixels,) or (n_pixels, k)
        One image per column, ``n_pixels = prod(image_shape)``.
    image_shape : tuple of int
        Shape of one image, e.g. ``(8, 8)``.
    titles : sequence of str, optional
        One title per image.
    ncols : int, optional
        Images per row; default ``min(k, 8)``.
    cmap : str, default="RdBu_r"
        Matplotlib colour map.
    symmetric : bool, default=True
        Scale each image to [-1, 1] by its largest magnitude (diverging map); ``False``
        scales to at most 1 with matplotlib's own lower limit.
    figsize : tuple of float, optional
        Figure size in inches; default from the grid's shape.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the grid.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    k = values.shape[1]
    ncols = ncols or min(k, 8)
    nrows = int(np.ceil(k / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize or (1.3 * ncols + 0.6, 1.45 * nrows),
                             squeeze=False, layout="constrained")
    for j, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if j >= k:
            continue
        img = values[:, j].reshape(image_shape)
        lim = np.abs(img).max() or 1.0
        mappable = ax.imshow(img / lim, cmap=cmap, vmin=-1.0 if symmetric else None,
                             vmax=1.0)
        if titles is not None:
            ax.set_title(titles[j], fontsize=10)
    _shared_colorbar(fig, axes, mappable, symmetric)
    return fig


def _shared_colorbar(fig, axes, mappable, symmetric):
    """One colourbar beside a grid of panels each scaled to its own maximum magnitude."""
    ticks = [-1, 0, 1] if symmetric else [0, 1]
    bar = fig.colorbar(mappable, ax=axes.ravel().tolist(), shrink=0.8, pad=0.01,
                       aspect=15, ticks=ticks)
    bar.ax.set_yticklabels(["$-$max", "0", "+max"] if symmetric else ["0", "max"])
    bar.ax.tick_params(labelsize=10)


def graph_functions(W, functions, layout, *, titles=None, cmap="RdBu_r", node_size=40,
                    figsize=None):
    """Draw each column of ``functions`` (n, k) as node colours on a graph layout (n, 2).

    Each panel is scaled to its own largest magnitude; one colourbar says so.

    Parameters
    ----------
    W : array-like or scipy.sparse matrix, shape (n, n)
        Adjacency (weight) matrix; its non-zero entries above the diagonal are drawn as
        edges.
    functions : array-like, shape (n,) or (n, k)
        One function on the nodes per column.
    layout : array-like, shape (n, 2)
        Node positions.
    titles : sequence of str, optional
        One title per panel.
    cmap : str, default="RdBu_r"
        Matplotlib colour map (diverging).
    node_size : float, default=40
        Marker area of the nodes, in points squared.
    figsize : tuple of float, optional
        Figure size in inches; default 2.6 inches per panel.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, one panel per function.
    """
    functions = np.asarray(functions, dtype=float)
    if functions.ndim == 1:
        functions = functions[:, None]
    layout = np.asarray(layout, dtype=float)
    W = np.asarray(W.toarray() if hasattr(W, "toarray") else W)
    k = functions.shape[1]
    fig, axes = plt.subplots(1, k, figsize=figsize or (2.6 * k + 0.6, 2.6), squeeze=False,
                             layout="constrained")
    rows, cols = np.nonzero(np.triu(W))
    for j, ax in enumerate(axes.ravel()):
        f = functions[:, j]
        lim = np.abs(f).max() or 1.0
        for r, c in zip(rows, cols):
            ax.plot(layout[[r, c], 0], layout[[r, c], 1], color="0.75", ls="-", lw=0.6, zorder=1)
        mappable = ax.scatter(layout[:, 0], layout[:, 1], c=f / lim, cmap=cmap, vmin=-1.0,
                              vmax=1.0, s=node_size, edgecolors="0.3", linewidths=0.4,
                              zorder=2)
        ax.set_aspect("equal")
        ax.axis("off")
        if titles is not None:
            ax.set_title(titles[j], fontsize=10)
    _shared_colorbar(fig, axes, mappable, True)
    return fig
