"""tools/export_student.py: student notebooks have no outputs and every exercise unsolved."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
import repo_scripts

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
export_student = repo_scripts.load("tools/export_student.py", "export_student")

FIRST = "00_start_here.ipynb"


@pytest.fixture
def source(tmp_path):
    """A copy of notebook 00 to doctor."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(NOTEBOOKS / FIRST, src / FIRST)
    return src


def _exercise_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and "cl.exercises.check(" in c.source]


def test_exports_every_notebook_cleared_with_sources_unchanged(tmp_path):
    written = export_student.export(tmp_path / "out", NOTEBOOKS)
    originals = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert [p.name for p in written] == [p.name for p in originals]
    for path, original in zip(written, originals):
        nb, ref = nbformat.read(path, 4), nbformat.read(original, 4)
        assert [c.source for c in nb.cells] == [c.source for c in ref.cells]
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and all(c.outputs == [] and c.execution_count is None for c in code)
        assert all("execution" not in c.metadata for c in nb.cells)
        exercises = _exercise_cells(nb)
        assert len(exercises) >= 2, path.name
        assert all("cl.exercises.TODO" in c.source for c in exercises)


def test_a_solution_in_an_exercise_cell_blocks_the_export(source, tmp_path):
    nb = nbformat.read(source / FIRST, 4)
    cell = _exercise_cells(nb)[0]
    cell.source = cell.source.replace("cl.exercises.TODO", "P.sum(axis=1)", 1)
    assert "cl.exercises.TODO" not in cell.source.split("#", 1)[0]
    nbformat.write(nb, source / FIRST)
    with pytest.raises(ValueError, match=r"00_start_here.ipynb: cell \d+ checks \['00\.") as e:
        export_student.export(tmp_path / "out", source)
    assert "placeholder" in str(e.value)
    assert not (tmp_path / "out").exists()


def test_todo_only_in_a_comment_does_not_count(source):
    nb = nbformat.read(source / FIRST, 4)
    cell = _exercise_cells(nb)[0]
    cell.source = cell.source.replace("cl.exercises.TODO", "None  # was cl.exercises.TODO", 1)
    assert any("placeholder" in p for p in export_student.problems(nb, "00"))


def test_unknown_and_unchecked_exercises_are_reported(source):
    nb = nbformat.read(source / FIRST, 4)
    first, second = _exercise_cells(nb)[:2]
    name = export_student.CHECK.search(first.source).group(1)
    first.source = first.source.replace(f'"{name}"', '"00.no_such_exercise"')
    found = export_student.problems(nb, "00")
    assert any("'00.no_such_exercise', which is not a registered" in p for p in found)
    assert any(f"exercise '{name}' is registered but never checked" in p for p in found)
    nb.cells.remove(second)
    assert any("needs at least 2" in p for p in export_student.problems(nb, "00"))


def test_the_real_notebooks_have_no_problems():
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        assert export_student.problems(nbformat.read(path, 4), path.name[:2]) == [], path


def test_does_not_overwrite_without_force(source, tmp_path):
    out = tmp_path / "out"
    export_student.export(out, source)
    (out / "notes.txt").write_text("kept")
    with pytest.raises(FileExistsError, match="--force"):
        export_student.export(out, source)
    assert export_student.main([str(out), "--notebooks", str(source)]) == 1
    assert export_student.main([str(out), "--notebooks", str(source), "--force"]) == 0
    assert (out / "notes.txt").read_text() == "kept"
