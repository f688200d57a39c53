"""Where ``python3 tools/maintain.py test-class`` installs the class tools, for the tests that
use them.

``.envs/`` (git-ignored) holds the hub's own environment (``hub/``, requirements/hub.txt), the
proxy (``proxy/``, requirements/hub-proxy) and two layers added to the lab's ``.venv`` on
``PYTHONPATH`` (``singleuser/``: requirements/hub-singleuser.txt; ``nbgrader/``:
requirements/nbgrader.txt). Without them these tests skip, except under ``tasks.py
test-class`` (``CONTEXTURE_LAB_CLASS_TESTS=1``), where a missing tool is a failure.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENVS = ROOT / ".envs"
#: The lab's own interpreter: the one running the tests (``.venv``).
LAB_PYTHON = Path(sys.executable)


def require(*paths: Path) -> None:
    """Skip (or fail, under ``maintain.py test-class``) unless every path exists."""
    missing = [str(p.relative_to(ROOT)) for p in paths if not p.exists()]
    if not missing:
        return
    message = f"{', '.join(missing)} missing: `python3 tools/maintain.py test-class` installs them"
    if os.environ.get("CONTEXTURE_LAB_CLASS_TESTS") == "1":
        pytest.fail(message)
    pytest.skip(message)


def layered(layer: str, env: dict | None = None) -> dict:
    """An environment whose Python is the lab's, with the ``.envs/<layer>`` packages first."""
    env = dict(os.environ if env is None else env)
    folder = ENVS / layer
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(folder), str(folder.parent.parent),
                                                    env.get("PYTHONPATH", "")) if p)
    env["PATH"] = os.pathsep.join([str(folder / "bin"), str(LAB_PYTHON.parent), env["PATH"]])
    return env
