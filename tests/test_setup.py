"""The set-up files agree: lock file, environment.yml, binder/, pyproject, README, CI."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: conda-forge names that differ from the PyPI names in the lock file
CONDA_TO_PYPI = {"pytorch-cpu": "torch", "matplotlib-base": "matplotlib"}


def read_lock():
    pins = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"lock line without an exact pin: {line!r}"
            pins[name.lower().replace("_", "-")] = version
    return pins


def read_conda(path):
    pins = {}
    in_deps = False
    for line in path.read_text().splitlines():
        if line.startswith("dependencies:"):
            in_deps = True
            continue
        m = re.match(r"^  - ([A-Za-z0-9_.-]+)=([^=\s]+)\s*$", line)
        if in_deps and m:
            pins[CONDA_TO_PYPI.get(m.group(1), m.group(1)).lower()] = m.group(2)
    return pins


def test_lock_pins_torch_cpu_version():
    assert read_lock()["torch"] == "2.13.0"


@pytest.mark.parametrize("path", ["environment.yml", "binder/environment.yml"])
def test_conda_files_pin_the_lock_versions(path):
    lock, conda = read_lock(), read_conda(ROOT / path)
    assert conda.pop("python") == "3.11"
    assert {"torch", "numpy", "scipy", "scikit-learn", "jupyterlab", "ipywidgets",
            "ipympl", "nbval", "matplotlib"} <= set(conda)
    mismatched = {name: (v, lock.get(name)) for name, v in conda.items() if lock.get(name) != v}
    assert not mismatched, f"{path} disagrees with requirements/lock.txt: {mismatched}"
    assert "conda-forge" in (ROOT / path).read_text()


def test_environment_and_binder_describe_the_same_environment():
    assert read_conda(ROOT / "environment.yml") == read_conda(ROOT / "binder/environment.yml")


def test_binder_installs_the_package():
    post = (ROOT / "binder" / "postBuild").read_text()
    assert re.search(r"pip install .*-e \.", post)
    assert (ROOT / "binder" / "postBuild").stat().st_mode & 0o111


def test_every_pyproject_dependency_is_locked():
    text = (ROOT / "pyproject.toml").read_text()
    names = re.findall(r'^\s+"([A-Za-z0-9_-]+)[<>=!~]', text, flags=re.M)
    lock = read_lock()
    missing = [n for n in names if n.lower().replace("_", "-") not in lock]
    assert names and not missing, f"pyproject dependencies missing from the lock: {missing}"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 tasks.py test" in readme and "python3 tasks.py lab" in readme
    commands = [line for line in ci.splitlines() if line.strip() and not line.startswith("#")]
    assert any("python3 tasks.py test" in line for line in commands)
