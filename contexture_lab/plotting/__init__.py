"""Matplotlib figures from computed results (no compute inside).

Topic modules (``plotting.association``, ``plotting.mixing``, ``plotting.attention``) add
their own figures; the common ones live in :mod:`contexture_lab.plotting.core`.
"""

import importlib

from .core import (
    graph_functions,
    image_grid,
    lab_style,
    legend_beside,
    spectrum,
    spectrum_comparison,
    use_lab_style,
)

_TOPICS = ("association", "mixing", "attention")


def __getattr__(name):
    if name in _TOPICS:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["graph_functions", "image_grid", "lab_style", "legend_beside", "spectrum",
           "spectrum_comparison", "use_lab_style"]
