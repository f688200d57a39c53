"""The lab's working copy: notebooks copied once, never overwritten; reset of one notebook."""

from pathlib import Path

import pytest
import repo_scripts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tasks(tmp_path, monkeypatch):
    module = repo_scripts.load("tasks.py", "tasks_under_test")
    monkeypatch.setattr(module, "WORKSPACE", tmp_path / "my-lab")
    return module


def test_workspace_copies_each_notebook_once_and_keeps_edits(tasks):
    tasks.prepare_workspace()
    copies = sorted((tasks.WORKSPACE / "notebooks").glob("*.ipynb"))
    originals = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert [p.name for p in copies] == [p.name for p in originals]
    assert copies[0].read_bytes() == originals[0].read_bytes()
    copies[0].write_text("a student's work")
    tasks.prepare_workspace()                       # a second launch
    assert copies[0].read_text() == "a student's work"
    theory = tasks.WORKSPACE / "docs" / "THEORY.md"
    assert theory.read_text() == (ROOT / "docs" / "THEORY.md").read_text()


def test_reset_restores_one_notebook_and_keeps_the_old_copy(tasks):
    tasks.prepare_workspace()
    target = tasks.WORKSPACE / "notebooks" / "03_alignment_relations.ipynb"
    other = tasks.WORKSPACE / "notebooks" / "02_learning_the_contexture.ipynb"
    target.write_text("edited")
    other.write_text("also edited")
    tasks.reset(["03"])
    assert target.read_bytes() == (ROOT / "notebooks" / target.name).read_bytes()
    assert other.read_text() == "also edited"
    kept = list((tasks.WORKSPACE / "backups").glob("03_alignment_relations-*.ipynb"))
    assert len(kept) == 1 and kept[0].read_text() == "edited"


@pytest.mark.parametrize("args", [[], ["99"], ["0"], ["03", "04"]])
def test_reset_names_the_notebooks_on_a_bad_argument(tasks, args):
    with pytest.raises(SystemExit) as err:
        tasks.reset(args)
    assert "notebook" in str(err.value) or "usage" in str(err.value)
