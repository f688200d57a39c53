"""nbgrader round trip: source notebooks from tools/nbgrader_source.py, nbgrader's release
(no solution, no hidden test), autograde of a solved submission (full marks) and of the
unsolved release (zero, no crash), with a package whose exercises carry no solutions.

Needs ``.envs/nbgrader`` (``python3 tools/maintain.py test-class`` installs it): nbgrader runs
in the lab's own interpreter with that layer on ``PYTHONPATH``, so its kernels are the lab's.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import textwrap

import nbformat
import pytest

from contexture_lab import exercises

from class_envs import ENVS, LAB_PYTHON, ROOT, layered, require

_spec = importlib.util.spec_from_file_location("nbgrader_source",
                                               ROOT / "tools" / "nbgrader_source.py")
nbgrader_source = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(nbgrader_source)

#: Autograded here: the two shortest notebooks, whose exercises cover a value, a lambda and
#: functions (test_every_reference_passes_its_hidden_test covers every exercise, outside
#: nbgrader). Every notebook is released (the ``ALL`` assignment) and checked for leaks.
NOTEBOOKS = ("00", "01")
ASSIGNMENT = "lab"
ALL = "all"
#: Imported by the kernels and by nbgrader: every exercise registers without its solution,
#: as in a students' package with the solutions kept elsewhere.
NO_SOLUTIONS = textwrap.dedent("""\
    import contexture_lab.exercises as _exercises

    _register = _exercises.register


    def _register_without_solution(name, **fields):
        fields["solution"] = None
        _register(name, **fields)


    _exercises.register = _register_without_solution
    """)
SCORES = textwrap.dedent("""\
    import json, sys
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///gradebook.db") as gb:
        out = {}
        for student in sys.argv[1:]:
            for nb in gb.find_assignment(%r).notebooks:
                sub = gb.find_submission_notebook(nb.name, %r, student)
                out[student + "/" + nb.name] = {g.name: [g.score, g.max_score]
                                                for g in sub.grades}
    print(json.dumps(out))
    """) % (ASSIGNMENT, ASSIGNMENT)


def _nbgrader(course, env, *args):
    done = subprocess.run([str(LAB_PYTHON), "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


def _region(source: str, begin: str, end: str) -> str:
    return source.split(begin, 1)[1].split(end, 1)[0]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The course after generate_assignment and autograde of two students: ``solved`` hands
    in the release with the reference solutions put in, ``unsolved`` the release as it is."""
    require(ENVS / "nbgrader" / "nbgrader")
    course = tmp_path_factory.mktemp("course")
    nbgrader_source.main([str(course), "--assignment", ASSIGNMENT, "--notebooks", *NOTEBOOKS])
    nbgrader_source.main([str(course), "--assignment", ALL])
    guard = tmp_path_factory.mktemp("guard")
    (guard / "sitecustomize.py").write_text(NO_SOLUTIONS)
    env = layered("nbgrader")
    env.update(CONTEXTURE_LAB_DEVICE="cpu", OMP_NUM_THREADS="2", MKL_NUM_THREADS="2",
               OPENBLAS_NUM_THREADS="2", MPLBACKEND="Agg", CONTEXTURE_LAB_INSTRUCTOR="",
               CONTEXTURE_LAB_CACHE=str(tmp_path_factory.mktemp("cache")),
               PYTHONPATH=f"{guard}:{env['PYTHONPATH']}")
    for assignment in (ASSIGNMENT, ALL):
        _nbgrader(course, env, "generate_assignment", assignment, "--force")
    source, release = course / "source" / ASSIGNMENT, course / "release" / ASSIGNMENT
    for student in ("solved", "unsolved"):
        (course / "submitted" / student / ASSIGNMENT).mkdir(parents=True)
    for path in sorted(release.glob("*.ipynb")):
        shutil.copy(path, course / "submitted" / "unsolved" / ASSIGNMENT / path.name)
        solved, src = nbformat.read(path, 4), nbformat.read(source / path.name, 4)
        references = {c.metadata.nbgrader["grade_id"]: c.source for c in src.cells
                      if c.metadata.get("nbgrader", {}).get("solution")}
        for cell in solved.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in references:
                cell.source = references[grade_id]   # what a student who solved it hands in
        nbformat.write(solved, course / "submitted" / "solved" / ASSIGNMENT / path.name)
    _nbgrader(course, env, "autograde", ASSIGNMENT, "--create", "--force")
    scores = subprocess.run([str(LAB_PYTHON), "-c", SCORES, "solved", "unsolved"], cwd=course,
                            env=env, capture_output=True, text=True, timeout=120, check=True)
    return course, json.loads(scores.stdout)


@pytest.mark.class_envs
def test_release_has_no_solution_and_no_hidden_test(course):
    course, _ = course
    source, release = course / "source" / ALL, course / "release" / ALL
    lab = {p.name: nbformat.read(p, 4) for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert sorted(p.name for p in release.glob("*.ipynb")) == sorted(lab)
    for path in sorted(release.glob("*.ipynb")):
        text = path.read_text()
        src = nbformat.read(source / path.name, 4)
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "_cases", "_solution"):
            assert marker not in text, (path.name, marker)
        for cell in src.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution"):
                reference = _region(cell.source, "### BEGIN SOLUTION", "### END SOLUTION")
                for line in reference.splitlines():   # no line of a reference leaks out
                    if line.strip() and not line.lstrip().startswith(("import ", "from ")):
                        assert line not in text, (path.name, line)
            if meta.get("grade"):
                hidden = _region(cell.source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
                assert hidden.strip() and hidden.strip() not in text
        # every released exercise cell is the lab's own cell again, plus the stub line
        released = nbformat.read(path, 4)
        solution_cells = [c for c in released.cells
                          if c.metadata.get("nbgrader", {}).get("solution")]
        lab_cells = [c for c in lab[path.name].cells
                     if c.cell_type == "code" and "cl.exercises.check(" in c.source]
        assert len(solution_cells) == len(lab_cells) >= 2
        for cell, original in zip(solution_cells, lab_cells):
            assert cell.source.replace(nbgrader_source.CODE_STUB + "\n", "") == original.source
            assert "cl.exercises.TODO" in cell.source


@pytest.mark.class_envs
def test_reference_submission_gets_full_marks(course):
    _, scores = course
    for notebook in NOTEBOOKS:
        (key,) = [k for k in scores if k.startswith(f"solved/{notebook}_")]
        tests = {n: s for n, s in scores[key].items() if n.startswith("test_")}
        assert len(tests) >= 2 and all(s == m == 1 for s, m in tests.values()), (key, tests)


@pytest.mark.class_envs
def test_unsolved_release_gets_zero_and_runs_to_the_end(course):
    course, scores = course
    for notebook in NOTEBOOKS:
        (key,) = [k for k in scores if k.startswith(f"unsolved/{notebook}_")]
        tests = {n: s for n, s in scores[key].items() if n.startswith("test_")}
        assert len(tests) >= 2 and all(s == 0 and m == 1 for s, m in tests.values()), (key,
                                                                                        tests)
        (graded,) = (course / "autograded" / "unsolved" / ASSIGNMENT).glob(f"{notebook}_*")
        nb = nbformat.read(graded, 4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), "the notebook did not run to the end"
        failing = [c for c in code if any(o.output_type == "error" for o in c.outputs)]
        # only the autograder cells fail, each with its visible assertion
        assert failing and all(c.metadata.nbgrader.get("grade") for c in failing)
        assert all(o.ename == "AssertionError" for c in failing for o in c.outputs
                   if o.output_type == "error")


@pytest.mark.parametrize("name", exercises.names())
def test_every_reference_passes_its_hidden_test(name):
    """The reference code written into the solution cell, run on its own (only ``cl`` and
    ``np`` defined, as in a notebook), passes the exercise's check and its hidden test; the
    unsolved placeholder fails the hidden test."""
    import numpy as np

    import contexture_lab as cl

    answer = "answer"
    hidden = nbgrader_source.hidden_test(name, answer)
    space = {"cl": cl, "np": np}
    exec(nbgrader_source.reference_source(name, answer), space)
    assert cl.exercises.check(name, space[answer]).passed
    exec(hidden, space)
    unsolved = {"cl": cl, "np": np, answer: cl.exercises.TODO}
    if callable(cl.exercises.get(name).solution):
        unsolved[answer] = lambda *args, **kwargs: cl.exercises.TODO
    # any failure counts: the comparison of a placeholder may fail in several ways
    with pytest.raises(Exception):  # noqa: B017, PT011
        exec(hidden, unsolved)


def test_hidden_tests_reject_a_wrong_answer():
    """The hidden test of 05.decay_rate fails a decay rate off by a factor 2, even with the
    in-notebook check bypassed (instructor mode cannot pass it either)."""
    import numpy as np

    reference = nbgrader_source.hidden_test("05.decay_rate", "decay_rate")

    def decay_rate(s):
        i = np.arange(1, len(s) + 1)
        return -np.sum(i * np.log(s)) / np.sum(i ** 2)     # log s_i, not log s_i^2

    with pytest.raises(AssertionError):
        exec(reference, {"decay_rate": decay_rate})
    solved = {"decay_rate": lambda s: 2 * decay_rate(s)}
    exec(reference, solved)                                 # the right answer passes
