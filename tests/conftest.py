"""Markers by what a test drives (registered in pyproject.toml): the integration files carry
the names of the tools they run, every notebook nbval checks is ``notebook``, and all of
those are ``slow``, so that ``pytest tests/unit`` or ``pytest -m "not slow"`` runs in seconds
and ``pytest -m browser`` picks the Chromium tests. ``tasks.py test`` runs everything.

The longest files go first: ``tasks.py test`` hands whole files to its two pytest-xdist
workers in collection order (``--dist loadfile``), so the browser walk (every notebook run
in JupyterLab, several minutes) and the book's build start at once on the two workers and
the many short files fill in around them, instead of one of the long ones starting last."""

from pathlib import Path

import pytest

#: The tools each integration file drives (every file of tests/integration/ is slow).
INTEGRATION = {
    "test_browser.py": ("browser",),
    "test_book.py": ("book", "browser"),
    "test_hub.py": ("hub",),
    "test_nbgrader.py": ("nbgrader",),
}


#: Files by how long they take, longest first (the rest keep their order after these).
LONGEST_FIRST = ("test_browser.py", "test_book.py")


def _start_rank(item) -> int:
    name = Path(str(item.fspath)).name
    return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config, items):
    items.sort(key=_start_rank)      # stable: each file's tests keep their order
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
