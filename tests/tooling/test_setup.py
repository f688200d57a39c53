"""The set-up files agree: lock file, binder/, environment.yml, pyproject, README, CI."""

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "lock.txt"
BINDER = ROOT / "binder"


def load_tasks():
    spec = importlib.util.spec_from_file_location("contexture_lab_tasks", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path):
    """Exact pins NAME==VERSION of a requirements file; option lines (``--...``) apart."""
    pins, options = {}, []
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        if line.startswith("-"):
            options.append(line)
            continue
        name, sep, version = line.partition("==")
        assert sep, f"{path.name}: a line without an exact pin: {line!r}"
        pins[normalise(name)] = version
    return pins, options


def read_lock():
    pins, options = read_pins(LOCK)
    assert not options, f"the lock file carries options: {options}"
    return pins


def test_lock_pins_torch_cpu_version():
    assert read_lock()["torch"] == "2.13.0"


def test_binder_requirements_are_what_tasks_lock_generates():
    tasks = load_tasks()
    generated = tasks.binder_requirements(LOCK.read_text())
    assert (BINDER / "requirements.txt").read_text() == generated, (
        "binder/requirements.txt is out of date: run `python3 tasks.py lock`")


def test_binder_requirements_pin_every_locked_version_and_torch_cpu():
    lock = read_lock()
    pins, options = read_pins(BINDER / "requirements.txt")
    assert options == [f"--extra-index-url {load_tasks().TORCH_CPU_INDEX}"]
    assert pins.pop("torch") == lock.pop("torch") + "+cpu"
    assert pins == lock


def test_binder_requirements_refuse_a_lock_without_exact_pins():
    with pytest.raises(ValueError, match="exact pins"):
        load_tasks().binder_requirements("numpy>=2\n")


def test_binder_holds_only_the_pip_configuration():
    # repo2docker tries the conda build pack (environment.yml) before the pip one
    # (requirements.txt), and Docker/Nix/R/Julia/Pipfile files before both: none may be there.
    assert sorted(p.name for p in BINDER.iterdir()) == ["postBuild", "requirements.txt",
                                                        "runtime.txt"]
    assert not (ROOT / ".binder").exists()   # repo2docker refuses both binder/ and .binder/


def test_binder_runtime_is_the_python_of_environment_yml():
    runtime = (BINDER / "runtime.txt").read_text()
    m = re.fullmatch(r"python-(3\.\d+)\n", runtime)
    assert m, f"binder/runtime.txt should read python-3.X, found {runtime!r}"
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert f"python={m.group(1)}" in conda["dependencies"]
    requires = re.search(r'requires-python = ">=3\.(\d+)"', (ROOT / "pyproject.toml").read_text())
    assert int(m.group(1).split(".")[1]) >= int(requires.group(1))


def test_binder_runtime_names_major_and_minor_only():
    tasks = load_tasks()
    assert tasks.binder_runtime("3.11.7") == "python-3.11\n"
    assert tasks.binder_runtime("3.12.10") == "python-3.12\n"


def test_environment_yml_takes_only_python_and_pip_from_conda():
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert conda["channels"] == ["conda-forge", "nodefaults"]
    packages = [d for d in conda["dependencies"] if isinstance(d, str)]
    assert [p.split("=")[0] for p in packages] == ["python", "pip"]
    (pip_section,) = [d["pip"] for d in conda["dependencies"] if isinstance(d, dict)]
    assert pip_section == [f"--extra-index-url {load_tasks().TORCH_CPU_INDEX}",
                           "-r requirements/lock.txt", "-e ."]


def test_binder_installs_the_package():
    post = (BINDER / "postBuild").read_text()
    installs = [line for line in post.splitlines()
                if "pip install" in line and not line.startswith("#")]
    assert len(installs) == 1 and re.search(r"pip install .*--no-deps .*-e \.$", installs[0])
    # then the hash-checked models and corpus of notebooks 08-09, into this environment
    assert post.rstrip().splitlines()[-1] == "python tasks.py models"
    assert (BINDER / "postBuild").stat().st_mode & 0o111


def test_every_pyproject_dependency_is_locked():
    text = (ROOT / "pyproject.toml").read_text()
    names = re.findall(r'^\s+"([A-Za-z0-9_-]+)[<>=!~]', text, flags=re.M)
    lock = read_lock()
    missing = [n for n in names if normalise(n) not in lock]
    assert names and not missing, f"pyproject dependencies missing from the lock: {missing}"


def test_readme_documents_the_binder_test():
    readme = (ROOT / "README.md").read_text()
    assert "python3 tasks.py test-binder" in readme
    assert "mybinder.org/v2/gh/contexture-lab/contexture_lab/" in readme
    assert "binder/environment.yml" not in readme


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 tasks.py test" in readme and "python3 tasks.py lab" in readme
    commands = [line for line in ci.splitlines() if line.strip() and not line.startswith("#")]
    assert any("python3 tasks.py test" in line for line in commands)
