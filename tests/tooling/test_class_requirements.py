"""The pinned files of ``maintain.py test-class``: exact versions with hashes, layers that never
shadow a locked version, one JupyterHub version for the hub and the single-user servers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQ = ROOT / "requirements"
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s\\]+)\s*\\\n\s+--hash=sha256:[0-9a-f]{64}$", re.M)


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    text = "\n".join(line for line in path.read_text().splitlines()
                     if not line.startswith("#"))
    pins = {_norm(n): v for n, v in PIN.findall(text)}
    requirements = [line for line in text.splitlines()
                    if line.strip() and not line.startswith(" ")]
    assert len(pins) == len(requirements), f"{path.name}: a line without exact pin and hash"
    return pins


def _lock() -> dict[str, str]:
    return {_norm(line.split("==")[0]): line.split("==")[1].split()[0]
            for line in (REQ / "lock.txt").read_text().splitlines()
            if "==" in line and not line.startswith(("#", " "))}


@pytest.mark.parametrize("layer", ["hub-singleuser.txt", "nbgrader.txt"])
def test_layers_add_to_the_lock_without_shadowing_it(layer):
    pins, lock = _pins(REQ / layer), _lock()
    assert pins and not set(pins) & set(lock), sorted(set(pins) & set(lock))


def test_hub_and_single_user_servers_run_one_jupyterhub():
    hub, single = _pins(REQ / "hub.txt"), _pins(REQ / "hub-singleuser.txt")
    assert hub["jupyterhub"] == single["jupyterhub"]
    # the hub's own venv shares no version conflict with the lab where both pin a package
    lock = _lock()
    assert {n: v for n, v in single.items() if n in hub and hub[n] != v} == {}
    assert "jupyterhub" not in lock and "nbgrader" not in lock


def test_proxy_lock_pins_every_package_with_integrity():
    package = json.loads((REQ / "hub-proxy" / "package.json").read_text())
    lock = json.loads((REQ / "hub-proxy" / "package-lock.json").read_text())
    (version,) = package["dependencies"].values()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), "pin an exact version"
    entries = {k: v for k, v in lock["packages"].items() if k}
    assert entries["node_modules/configurable-http-proxy"]["version"] == version
    assert all(v.get("integrity", "").startswith("sha512-") for v in entries.values())
