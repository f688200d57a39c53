"""Figures for result tables: a heat map of a measure over two factors, lines with bands.

They replace wide printed tables (a metric for every pair, a score for every model and
seed): the reader sees the pattern first and the number in each cell second.
"""

from __future__ import annotations

import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Normalize, to_rgb
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch

from .core import LINE_STYLES, OKABE_ITO, legend_beside


def _luminance(rgb) -> float:
    r, g, b = to_rgb(rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _wrap(label: str, width: int) -> str:
    """``label`` on lines of at most ``width`` characters, broken after spaces and
    underscores (a word longer than ``width`` keeps its own line)."""
    lines, line = [], ""
    for piece in re.split(r"(?<=[ _])", label):
        if line and len(line) + len(piece.rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += piece
    lines.append(line.rstrip())
    return "\n".join(lines)


def _matrix(name, values, shape=None):
    array = np.asarray(values, dtype=float)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-d array (rows x columns), got shape "
                         f"{array.shape}")
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name} must have the shape of values {shape}, got {array.shape}")
    return array


def heatmap(values, *, rows, columns, marked=None, marked_label: str = "marked",
            null=None, null_label: str = "null", digits: int = 2, by_column: bool = False,
            cmap: str = "viridis", vmin=None, vmax=None, colorbar_label: str = "value",
            title: str | None = None, ax=None, figsize=None):
    """A measure over two factors as coloured cells, each showing its number.

    Parameters
    ----------
    values : array-like, shape (n_rows, n_columns)
        The measure; ``nan`` cells are drawn grey and read ``n/a``.
    rows, columns : sequence of str
        Names of the rows (left) and the columns (bottom).
    marked : array-like of bool, shape (n_rows, n_columns), optional
        Cells to mark (hatched, with a legend entry ``marked_label``), e.g. a statistic
        that does not beat its permutation null.
    marked_label : str, default="marked"
        The legend entry of the marked cells (say what they are).
    null : array-like, shape (n_rows, n_columns), optional
        A reference value per cell (a null mean, a chance level), written under the value
        as ``"<null_label> 0.43"``.
    null_label : str, default="null"
    digits : int, default=2
        Decimals of the numbers in the cells.
    by_column : bool, default=False
        Colour each column on its own range (measures on different scales side by side);
        the colourbar then reads from each column's lowest to its highest value.
    cmap : str, default="viridis"
        A perceptually uniform map that reads in grey too.
    vmin, vmax : float, optional
        Colour range (ignored with ``by_column``); default the finite values' range.
    colorbar_label : str, default="value"
    title : str, optional
    ax : matplotlib.axes.Axes, optional
        Draw into this axes; default a new figure as wide as the notebook column.
    figsize : tuple of float, optional
        Size of a new figure; default 9 inches wide, 0.5 inch a row.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0]`` holds the cells: an image of ``values`` (of each column rescaled
        to [0, 1] with ``by_column``) and one text per cell.
    """
    values = _matrix("values", values)
    n_rows, n_cols = values.shape
    rows, columns = [str(r) for r in rows], [str(c) for c in columns]
    if len(rows) != n_rows or len(columns) != n_cols:
        raise ValueError(f"rows and columns must name the {n_rows} rows and {n_cols} "
                         f"columns of values, got {len(rows)} and {len(columns)} names")
    if marked is not None:
        marked = np.asarray(marked)
        if marked.shape != values.shape or marked.dtype != bool:
            raise ValueError(f"marked must be a boolean array of shape {values.shape}, got "
                             f"{marked.dtype} of shape {marked.shape}")
    if null is not None:
        null = _matrix("null", null, values.shape)
    if not isinstance(digits, (int, np.integer)) or digits < 0:
        raise ValueError(f"digits must be a non-negative integer, got {digits!r}")

    finite = np.isfinite(values)
    if by_column:
        shown = np.full_like(values, np.nan)
        for j in range(n_cols):
            col = values[finite[:, j], j]
            if col.size:
                low, high = col.min(), col.max()
                span = high - low
                shown[:, j] = (values[:, j] - low) / span if span > 0 else 0.5
        norm = Normalize(0.0, 1.0)
    else:
        shown = values
        lo = np.nanmin(values[finite]) if finite.any() else 0.0
        hi = np.nanmax(values[finite]) if finite.any() else 1.0
        norm = Normalize(lo if vmin is None else vmin, hi if vmax is None else vmax)

    if ax is None:
        height = figsize[1] if figsize else 0.5 * n_rows + 1.9
        fig, ax = plt.subplots(figsize=figsize or (9.0, height), layout="constrained")
    else:
        fig = ax.figure
    colormap = plt.get_cmap(cmap).with_extremes(bad="0.85")
    image = ax.imshow(np.ma.masked_invalid(shown), cmap=colormap, norm=norm, aspect="auto",
                      interpolation="nearest")
    # column names wrapped at spaces and underscores to the width of a cell; names that
    # still do not fit stand upright
    tick_pt = FontProperties(size=mpl.rcParams["xtick.labelsize"]).get_size_in_points()
    cell_pt = fig.get_figwidth() * 0.7 * 72 / n_cols       # the cells take ~70 % of it
    cell_chars = max(4, int(cell_pt / (0.56 * tick_pt)))
    wrapped = [_wrap(c, cell_chars) for c in columns]
    upright = any(len(line) > cell_chars for c in wrapped for line in c.split("\n"))
    ax.set_xticks(np.arange(n_cols), columns if upright else wrapped)
    ax.set_yticks(np.arange(n_rows), rows)
    ax.tick_params(length=0)
    if upright:
        plt.setp(ax.get_xticklabels(), rotation=90)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xticks(np.arange(n_cols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n_rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)

    for i in range(n_rows):
        for j in range(n_cols):
            if not finite[i, j]:
                ax.text(j, i, "n/a", ha="center", va="center", fontsize=10, color="0.2")
                continue
            colour = colormap(norm(shown[i, j]))
            ink = "black" if _luminance(colour) > 0.45 else "white"
            text = f"{values[i, j]:.{digits}f}"
            if text.lstrip("-").strip("0.") == "":
                text = text.lstrip("-")
            if null is not None and np.isfinite(null[i, j]):
                ax.text(j, i - 0.12, text, ha="center", va="center", fontsize=10.5,
                        color=ink, fontweight="bold")
                ax.text(j, i + 0.24, f"{null_label} {null[i, j]:.{digits}f}", ha="center",
                        va="center", fontsize=8, color=ink)
            else:
                ax.text(j, i, text, ha="center", va="center", fontsize=10.5, color=ink,
                        fontweight="bold")
            if marked is not None and marked[i, j]:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False,
                                           hatch="///", edgecolor=ink, linewidth=0,
                                           alpha=0.6))
    bar = fig.colorbar(image, ax=ax, shrink=0.9, pad=0.01, aspect=20)
    if by_column:
        bar.set_ticks([0, 1])
        bar.set_ticklabels(["column\nlowest", "column\nhighest"])
    bar.set_label(colorbar_label)
    if marked is not None and marked.any():
        handle = Patch(facecolor="0.9", edgecolor="0.2", hatch="///", label=marked_label)
        fig.legend(handles=[handle], loc="outside lower left", frameon=False)
    if title:
        ax.set_title(title)
    return fig


def bands(x, curves: dict, *, spread: dict | None = None, ax=None, xlabel: str = "",
          ylabel: str = "", title: str | None = None, log_x: bool = False,
          band_label: str | None = None):
    """Lines with shaded bands: a mean over draws and its spread, one line per group.

    Parameters
    ----------
    x : array-like, shape (n,)
    curves : dict of str -> array-like, shape (n,)
        Group name -> mean values (the legend entries).
    spread : dict of str -> array-like, shape (n,), optional
        Group name -> half-width of the band (a standard error, a 95 % interval).
    ax : matplotlib.axes.Axes, optional
    xlabel, ylabel : str, default=""
        Axis labels.
    title : str, optional
        Title of the axes.
    log_x : bool, default=False
    band_label : str, optional
        What the band is (``"± 1 s.e. over 5 seeds"``), added to the legend.

    Returns
    -------
    matplotlib.axes.Axes
    """
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"x must be 1-d, got shape {x.shape}")
    spread = spread or {}
    unknown = sorted(set(spread) - set(curves))
    if unknown:
        raise ValueError(f"spread names unknown group(s) {unknown}; the groups are "
                         f"{list(curves)}")
    if ax is None:
        _, ax = plt.subplots(layout="constrained")
    for n, (name, y) in enumerate(curves.items()):
        y = np.asarray(y, dtype=float)
        if y.shape != x.shape:
            raise ValueError(f"curves[{name!r}] has shape {y.shape}, x has {x.shape}")
        colour = OKABE_ITO[n % len(OKABE_ITO)]
        ax.plot(x, y, color=colour, ls=LINE_STYLES[n % len(LINE_STYLES)], marker="o",
                ms=4, label=name)
        if name in spread:
            half = np.asarray(spread[name], dtype=float)
            if half.shape != x.shape:
                raise ValueError(f"spread[{name!r}] has shape {half.shape}, x has {x.shape}")
            ax.fill_between(x, y - half, y + half, color=colour, alpha=0.2, linewidth=0)
    if band_label and spread:
        ax.fill_between([], [], [], color="0.6", alpha=0.3, label=band_label)
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    legend_beside(ax)
    return ax


__all__ = ["bands", "heatmap"]
