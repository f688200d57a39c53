"""Markers by what a test drives (registered in pyproject.toml): the integration files carry
the names of the tools they run, every notebook nbval checks is ``notebook``, and all of
those are ``slow``, so that ``pytest tests/unit`` or ``pytest -m "not slow"`` runs in seconds
and ``pytest -m browser`` picks the Chromium tests. ``tasks.py test`` runs everything."""

from pathlib import Path

import pytest

#: The tools each integration file drives (every file of tests/integration/ is slow).
INTEGRATION = {
    "test_browser.py": ("browser",),
    "test_book.py": ("book", "browser"),
    "test_hub.py": ("hub",),
    "test_nbgrader.py": ("nbgrader",),
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath))
        if path.suffix == ".ipynb":
            names = ("notebook", "slow")
        elif path.parent.name == "integration":
            names = (*INTEGRATION.get(path.name, ()), "slow")
        else:
            continue
        for name in names:
            item.add_marker(getattr(pytest.mark, name))
