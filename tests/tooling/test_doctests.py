"""The ``Examples`` blocks of the package's docstrings run as doctests.

One test per module (private modules too: their examples are documentation for
maintainers). Examples run on the CPU with the package's own numbers; an example whose
output depends on the machine is a bug in the example. ``fit_encoder``'s example trains a
tiny encoder for two epochs: it is the slowest (a few seconds).
"""

import doctest
import importlib
from pathlib import Path

import numpy as np
import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "contexture_lab"
MODULES = sorted(
    ".".join(("contexture_lab",) + p.relative_to(PACKAGE).with_suffix("").parts)
    .removesuffix(".__init__")
    for p in PACKAGE.rglob("*.py") if ">>> " in p.read_text(encoding="utf-8"))


def test_examples_are_found():
    """The core modules carry examples (the list below only grows)."""
    for name in ("context", "contexts", "spectrum", "alignment", "association", "mixing"):
        assert f"contexture_lab.{name}" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_module_examples(name, monkeypatch):
    monkeypatch.setenv("CONTEXTURE_LAB_DEVICE", "cpu")
    module = importlib.import_module(name)
    with np.printoptions(legacy=False):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS
                                 | doctest.NORMALIZE_WHITESPACE, verbose=False, report=True)
    assert result.attempted > 0, f"{name} has no example that doctest can read"
    assert result.failed == 0, f"{result.failed} example(s) of {name} failed (output above)"
