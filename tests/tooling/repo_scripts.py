"""The repository's scripts (``tasks.py``, ``tools/*.py``) loaded as modules for the tooling
tests: each call gives a fresh module, so a test may patch its globals freely."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load(relative_path: str, name: str):
    """The script at ``ROOT / relative_path``, executed as module ``name``."""
    spec = importlib.util.spec_from_file_location(name, ROOT / relative_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
