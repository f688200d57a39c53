"""Matplotlib figures from computed results (no compute inside).

Topic modules (``plotting.association``, ``plotting.mixing``, ``plotting.attention``) add
their own figures; the common ones live in :mod:`contexture_lab.plotting.core`.
"""

from .core import (graph_functions, image_grid, lab_style, spectrum, spectrum_comparison,
                   use_lab_style)

__all__ = ["graph_functions", "image_grid", "lab_style", "spectrum", "spectrum_comparison",
           "use_lab_style"]
