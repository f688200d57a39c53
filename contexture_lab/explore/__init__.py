"""Precomputed sweeps behind the widgets: compute only, no drawing.

Topic modules: :mod:`.association`, :mod:`.mixing`, :mod:`.attention`; they load on first
access (``cl.explore.association``).
"""

from __future__ import annotations

import importlib

_TOPICS = ("association", "mixing", "attention")


def __getattr__(name):
    if name in _TOPICS:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = list(_TOPICS)
