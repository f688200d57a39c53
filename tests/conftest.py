"""Test-suite settings that pyproject.toml does not hold (so that changing them does not
rebuild .venv: tasks.py fingerprints pyproject.toml)."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "class_envs: needs the hub and nbgrader of `python3 tasks.py test-class` "
        "(.envs/); `tasks.py test` deselects them")
