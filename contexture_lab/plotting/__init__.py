"""Matplotlib figures from computed results (no compute inside).

Topic modules (``plotting.association``, ``plotting.mixing``, ``plotting.attention``) add
their own figures; the common ones live in :mod:`contexture_lab.plotting.core`, result
figures (a heat map with marked cells, lines with bands) in
:mod:`contexture_lab.plotting.results`, and the notebooks' result tables
(:func:`table`: aligned HTML with a stable plain-text fallback) in
:mod:`contexture_lab.plotting.table`.
"""

import importlib

from .core import (
    COLOUR_NAMES,
    COLUMN_PX,
    OKABE_ITO,
    fit_to_column,
    graph_functions,
    image_grid,
    lab_style,
    legend_beside,
    set_display_width,
    spectrum,
    spectrum_comparison,
    use_lab_style,
)
from .figure_check import MIN_TEXT_PX
from .results import bands, heatmap
from .table import Table, table

_TOPICS = ("association", "mixing", "attention")


def __getattr__(name):
    if name in _TOPICS:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["COLOUR_NAMES", "COLUMN_PX", "MIN_TEXT_PX", "OKABE_ITO", "Table", "bands",
           "fit_to_column",
           "graph_functions", "heatmap", "image_grid", "lab_style", "legend_beside",
           "set_display_width", "spectrum", "spectrum_comparison", "table", "use_lab_style"]
