"""Precomputed sweeps behind the widgets: sweeping only, no drawing and no numerics of
their own (decompositions come from :mod:`contexture_lab.spectrum`, bases of a cluster and
averages over them from :mod:`contexture_lab.degeneracy`, contexts from the knob registry
of :mod:`contexture_lab.contexts`).

Topic modules: :mod:`.association`, :mod:`.mixing`, :mod:`.attention`; they load on first
access (``cl.explore.association``). Every sweep follows the :class:`Sweep` protocol
(``values``, ``index``, ``d_index``) and finds grid points by one rule, :func:`grid_index`.
"""

from __future__ import annotations

import importlib

from ._grid import GRID_RTOL, Sweep, grid_index

_TOPICS = ("association", "mixing", "attention", "measure_benchmark")


def __getattr__(name):
    if name in _TOPICS:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["GRID_RTOL", "Sweep", "association", "attention", "grid_index", "measure_benchmark",
           "mixing"]
