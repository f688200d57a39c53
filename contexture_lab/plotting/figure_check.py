"""Layout checks for a drawn figure: overlapping text, text off the figure, legends on data.

matplotlib knows where every piece of text lands once a figure is drawn
(``Text.get_window_extent``); these checks read those boxes, so a figure is judged as a
reader would see it, in pixels:

- two texts (tick labels, axis labels, titles, legend entries, annotations, colourbar labels)
  whose boxes overlap;
- text that falls partly outside the figure (it would be clipped in a fixed-size canvas,
  such as an explorer's);
- a legend whose box covers plotted data (the points and segments of its axes' lines,
  its scatter markers);
- text smaller than ``MIN_TEXT_PX`` pixels at 100 %
  zoom, from its font size and the figure's dpi (``size_pt * dpi / 72``): the inline
  backend shows a figure at its dpi (:func:`~contexture_lab.plotting.core.fit_to_column`
  sets it so the figure fills the column), an explorer's canvas likewise;
- optionally (``min_axes_px``), panels narrower than a given width (explorers).

:func:`problems` returns one sentence per finding; the test suite runs it on every figure the
plotting layer and the notebooks make (``tests/unit/test_figures.py`` and the nbval pass with
``CONTEXTURE_LAB_CHECK_FIGURES=1``).
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.text import Text

#: Smallest text (pixels at 100 % zoom) any figure or explorer may show; :func:`problems`
#: reports smaller text. (:mod:`contexture_lab.plotting.core`, which draws, imports it.)
MIN_TEXT_PX = 10.0

#: Boxes that overlap by at most this many pixels in either direction are not reported
#: (antialiasing and glyph padding).
SLACK_PX = 1.0


def _drawn_tick_labels(axis):
    """The tick labels an axis actually draws (ticks inside the view interval; none for a
    hidden axis, such as the shared x-axis of a ``twinx``)."""
    if not axis.get_visible():
        return []
    try:
        ticks = axis._update_ticks()   # matplotlib's own list of ticks to draw
    except AttributeError:             # pragma: no cover - other matplotlib versions
        ticks = axis.get_major_ticks()
    labels = []
    for tick in ticks:
        for label in (tick.label1, tick.label2):
            if label.get_visible() and label.get_text().strip():
                labels.append(label)
    return labels


def _texts(fig):
    """Every visible, non-empty text of the figure, tick labels as drawn."""
    found = []
    for ax in fig.get_axes():
        if not ax.get_visible() or not ax.axison:
            axes_texts = [ax.title, ax._left_title, ax._right_title]
        else:
            axes_texts = [ax.title, ax._left_title, ax._right_title, ax.xaxis.label,
                          ax.yaxis.label, *_drawn_tick_labels(ax.xaxis),
                          *_drawn_tick_labels(ax.yaxis)]
        axes_texts += list(ax.texts)
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            axes_texts += list(legend.get_texts())
            if legend.get_title().get_text():
                axes_texts.append(legend.get_title())
        found += axes_texts
    found += list(fig.texts)
    if getattr(fig, "_suptitle", None) is not None:
        found.append(fig._suptitle)
    for legend in fig.legends:
        found += list(legend.get_texts())
    return [t for t in dict.fromkeys(found)
            if isinstance(t, Text) and t.get_visible() and t.get_text().strip()]


def _overlap(a, b) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > SLACK_PX
            and min(a.y1, b.y1) - max(a.y0, b.y0) > SLACK_PX)


def _name(text: Text) -> str:
    return repr(text.get_text()[:40])


def _along_segments(points, step_px: float = 2.0):
    """The vertices of a drawn line and points every ``step_px`` pixels between them."""
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) < 2:
        return points
    out = [points[:1]]
    for a, b in zip(points[:-1], points[1:]):
        n = int(min(np.ceil(np.hypot(*(b - a)) / step_px), 2000))
        out.append(a + (b - a) * (np.arange(1, n + 1) / max(n, 1))[:, None])
    return np.concatenate(out)


def _legend_covers(legend: Legend, ax, renderer) -> int:
    """How many data points of ``ax`` lie inside the legend's box (a drawn line counts
    a point every 2 pixels along its segments)."""
    box = legend.get_window_extent(renderer)
    count = 0
    for artist in ax.get_children():
        if not artist.get_visible():
            continue
        if isinstance(artist, Line2D) and artist.get_label() != "_nolegend_":
            xy = np.asarray(artist.get_xydata(), float)   # unit-converted (categories too)
            points = artist.get_transform().transform(xy) if xy.size else xy
            if artist.get_linestyle() not in ("None", "none", "", " "):
                points = _along_segments(points)
        elif isinstance(artist, PathCollection):
            points = artist.get_offset_transform().transform(artist.get_offsets())
        else:
            continue
        if not len(points):
            continue
        points = points[np.isfinite(points).all(axis=1)]
        inside = ((points[:, 0] > box.x0) & (points[:, 0] < box.x1)
                  & (points[:, 1] > box.y0) & (points[:, 1] < box.y1))
        count += int(inside.sum())
    return count


def text_px(text: Text, fig) -> float:
    """Font size of ``text`` in pixels at 100 % zoom when ``fig`` is shown at its dpi.

    Parameters
    ----------
    text : matplotlib.text.Text
        A text artist of the figure.
    fig : matplotlib.figure.Figure
        The figure, shown at ``fig.dpi`` pixels per inch.

    Returns
    -------
    float
        ``fontsize * dpi / 72`` pixels.
    """
    return float(text.get_fontsize()) * float(fig.dpi) / 72.0


def _small_texts(texts, fig, min_px: float) -> list[str]:
    """One sentence per font size below ``min_px``, naming the first text of that size."""
    by_size = {}
    for text in texts:
        px = round(text_px(text, fig), 1)
        if px < min_px - 0.05:
            by_size.setdefault(px, []).append(text)
    out = []
    for px in sorted(by_size):
        group = by_size[px]
        more = f" and {len(group) - 1} more" if len(group) > 1 else ""
        out.append(f"text {_name(group[0])}{more} is {px:.1f} px at 100 % zoom "
                   f"(below {min_px:g} px: larger font size or a narrower figure)")
    return out


def _colourbar_axes(fig) -> set:
    return {ax for ax in fig.get_axes() if getattr(ax, "_colorbar", None) is not None}


def narrow_axes(fig, min_px: float) -> list[str]:
    """Panels (axes other than colourbars) narrower than ``min_px`` pixels at 100 % zoom.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, drawn once to lay it out, judged at its dpi.
    min_px : float
        Smallest width allowed, in pixels (a slack of ``SLACK_PX`` is granted).

    Returns
    -------
    list of str
        One sentence per visible panel that is too narrow (empty when none is).
    """
    fig.canvas.draw()
    out = []
    bars = _colourbar_axes(fig)
    for ax in fig.get_axes():
        if ax in bars or not ax.get_visible():
            continue
        width = ax.get_window_extent().width
        if width < min_px - SLACK_PX:
            out.append(f"panel {ax.get_title()!r} is {width:.0f} px wide (at least "
                       f"{min_px:g} px: fewer panels a row)")
    return out


def problems(fig, *, inside_figure: bool = True, min_text_px: float = MIN_TEXT_PX,
             min_axes_px: float | None = None) -> list[str]:
    """Layout problems of ``fig`` as sentences (empty when the figure is clean).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Judged at its dpi (how many pixels an inch is on screen).
    inside_figure : bool, default=True
        Report text that falls outside the figure. Off for figures saved with
        ``bbox_inches="tight"`` (as Jupyter's inline backend does), which grow to hold it.
    min_text_px : float, default=MIN_TEXT_PX
        Report text whose font is smaller than this many pixels (0 turns it off).
    min_axes_px : float, optional
        Report panels narrower than this many pixels (explorers: 250).

    Returns
    -------
    list of str
        One sentence per problem: overlapping texts, text outside the figure (when
        ``inside_figure``), legends covering data, text and panels too small.
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = _texts(fig)
    boxes = [t.get_window_extent(renderer) for t in texts]
    out = []
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            if _overlap(boxes[i], boxes[j]):
                out.append(f"text {_name(texts[i])} overlaps text {_name(texts[j])}")
    if inside_figure:
        frame = fig.bbox
        for text, box in zip(texts, boxes):
            if (box.x0 < frame.x0 - SLACK_PX or box.y0 < frame.y0 - SLACK_PX
                    or box.x1 > frame.x1 + SLACK_PX or box.y1 > frame.y1 + SLACK_PX):
                out.append(f"text {_name(text)} falls outside the figure")
    for ax in fig.get_axes():
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            covered = _legend_covers(legend, ax, renderer)
            if covered:
                out.append(f"the legend of axes {ax.get_title()!r} covers {covered} data "
                           "point(s)")
    if min_text_px:
        out += _small_texts(texts, fig, min_text_px)
    if min_axes_px:
        out += narrow_axes(fig, min_axes_px)
    return out


__all__ = ["SLACK_PX", "narrow_axes", "problems", "text_px"]
