"""Precomputed sweeps behind the widgets: compute only, no drawing.

Topic modules: :mod:`.association`, :mod:`.mixing`, :mod:`.attention`. Their public names
are re-exported here on first access.
"""

from __future__ import annotations

import importlib

_TOPICS = ("association", "mixing", "attention")


def __getattr__(name):
    for topic in _TOPICS:
        module = importlib.import_module(f".{topic}", __name__) if name == topic else None
        if module is not None:
            return module
    for topic in _TOPICS:
        try:
            module = importlib.import_module(f".{topic}", __name__)
        except ModuleNotFoundError:
            continue
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
