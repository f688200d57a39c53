"""Thin ipywidgets wiring of :mod:`contexture_lab.explore` to :mod:`contexture_lab.plotting`.

Each explorer exposes ``update(**knob_values)``, ``widget`` and ``figure`` so that tests
drive it without a browser.
"""

from __future__ import annotations

import importlib

_EXPLORERS = {
    "association_explorer": "association",
    "mixing_explorer": "mixing",
    "attention_explorer": "attention",
}


def __getattr__(name):
    if name in _EXPLORERS:
        module = importlib.import_module(f".{_EXPLORERS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_EXPLORERS)
