#!/usr/bin/env python3
"""Write nbgrader "source" notebooks from the lab's notebooks and exercise banks (instructors).

For every exercise cell of a notebook (a code cell that calls
``cl.exercises.check("NN.name", answer)``) the source notebook gets

- a **solution cell**: the student's cell as it is (the placeholder ``cl.exercises.TODO``
  stays), then, between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, the reference
  solution from ``contexture_lab/exercises/nbNN.py`` bound to the student's name, then the
  in-notebook check. nbgrader's release replaces that region by a one-line comment, so a
  released cell is the lab's own cell again;
- an **autograder test cell** (1 point, read-only) right after it: a visible assertion that
  the in-notebook check passes and, between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN
  TESTS``, the hidden test. Its reference values are computed here, at generate time, by
  running the exercise's checker on the reference solution and recording every call and
  result; the hidden test replays those calls on the student's answer and compares
  (``rtol`` 1e-6, ``atol`` 1e-9, same shape). So grading never calls
  ``cl.exercises.solution``, and a student who switches on instructor mode in a notebook
  gains nothing: the hidden tests do not go through ``check``.

Two exercises accept more than one right answer, and their hidden test says so
(:data:`ANSWER_FORMS`): ``09.grid_spectrum`` is compared as a multiset (any order), and
``03.worst_task`` (any task of the set F_eps that attains the optimum) is graded by its
checker, a property test that needs no reference.

    .venv/bin/python tools/nbgrader_source.py COURSE [--assignment contexture_lab]
        [--notebooks 00 05 ...]

writes ``COURSE/source/ASSIGNMENT/NN_*.ipynb`` (outputs cleared) and, when the course folder
has none, ``COURSE/nbgrader_config.py`` with the release stub. Then, in COURSE,
``nbgrader generate_assignment ASSIGNMENT``, collect, ``nbgrader autograde ASSIGNMENT``.
"""

from __future__ import annotations

import argparse
import ast
import base64
import copy
import importlib
import inspect
import pickle
import re
import sys
import textwrap
import types
import zlib
from pathlib import Path

import nbformat
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
#: ``cl.exercises.check("NN.name", answer)``: the exercise and the student's name for it.
CHECK = re.compile(r"""^\s*cl\.exercises\.check\(\s*["']([^"']+)["']\s*,\s*([A-Za-z_]\w*)\s*\)"""
                   r"""\s*(#.*)?$""", re.M)
#: How a hidden test compares an answer when the exercise accepts more than one form.
ANSWER_FORMS = {
    "09.grid_spectrum": "multiset",   # the checker sorts the eigenvalues itself
    "03.worst_task": "property",      # any task in F_eps attaining the optimum is right
}
#: What nbgrader's release puts where the reference solution was (nbgrader_config.py).
CODE_STUB = "# YOUR CODE: replace cl.exercises.TODO above"
CONFIG = f'''# Written by tools/nbgrader_source.py (edit freely; it is not overwritten).
c = get_config()  # noqa: F821
c.CourseDirectory.root = __file__.rsplit("/", 1)[0]
# a released solution cell is the lab's own cell: the placeholder stays above this line
c.ClearSolutions.code_stub = {{"python": {CODE_STUB!r}}}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# nbgrader's default is 30 s per cell; a sweep cell of notebooks 05-06 can take longer on a
# busy grading machine (the notebooks' run times: docs/INSTRUCTORS.md, section 5)
c.Execute.timeout = 600
'''
POINTS = 1
RTOL, ATOL = 1e-6, 1e-9


def _bank(name: str) -> types.ModuleType:
    from contexture_lab import exercises

    exercises.get(name)   # loads the bank (ValueError for an unknown name)
    return importlib.import_module(f"contexture_lab.exercises.nb{name.split('.', 1)[0]}")


def _solution_node(bank: types.ModuleType, name: str) -> ast.expr:
    """The expression given as ``solution=`` in the bank's ``register(name, ...)``."""
    tree = ast.parse(inspect.getsource(bank))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "register"
                and node.args and isinstance(node.args[0], ast.Constant)
                and node.args[0].value == name):
            for keyword in node.keywords:
                if keyword.arg == "solution":
                    return keyword.value
    raise ValueError(f"{bank.__name__} registers no {name!r} with a solution= argument")


def _absolute_imports(source: str, package: str) -> str:
    """Relative imports of a bank (``from ..spectrum import x``) made absolute."""
    def repl(match):
        dots, rest = match.group(1), match.group(2)
        base = package.rsplit(".", len(dots) - 1)[0] if len(dots) > 1 else package
        return f"from {base}{'.' + rest if rest else ''} import"
    return re.sub(r"from (\.+)([\w.]*) import", repl, source)


def _names_used(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names_used(const)
    return names


def _function_source(func, bank, seen: set[str]) -> list[str]:
    """Source blocks defining ``func`` and what it uses from the bank's globals."""
    blocks = []
    for name in sorted(_names_used(func.__code__)):
        if name in seen or name not in bank.__dict__:
            continue
        seen.add(name)
        value = bank.__dict__[name]
        if isinstance(value, types.ModuleType):
            module = value.__name__
            blocks.append(f"import {module}" if module == name else f"import {module} as {name}")
        elif isinstance(value, types.FunctionType) and value.__module__ == bank.__name__:
            blocks += _function_source(value, bank, seen)
        elif getattr(value, "__module__", None) and getattr(value, "__name__", None):
            alias = "" if value.__name__ == name else f" as {name}"
            blocks.append(f"from {value.__module__} import {value.__name__}{alias}")
        else:
            raise ValueError(f"the reference of {bank.__name__} uses the global {name!r}, "
                             "which the generator cannot write into a notebook")
    source = textwrap.dedent(inspect.getsource(func))
    blocks.append(_absolute_imports(source, bank.__package__).rstrip())
    return blocks


def _literal(value) -> str:
    if isinstance(value, np.ndarray):
        return f"np.array({value.tolist()!r})"
    if isinstance(value, (bool, int, float, str)) or value is None:
        return repr(value)
    raise ValueError(f"cannot write a reference value of type {type(value).__name__}")


def reference_source(name: str, answer: str) -> str:
    """Code that binds the reference solution of exercise ``name`` to ``answer``."""
    from contexture_lab import exercises

    bank = _bank(name)
    node = _solution_node(bank, name)
    solution = exercises.get(name).solution
    if isinstance(node, ast.Name) and isinstance(solution, types.FunctionType):
        blocks = _function_source(solution, bank, seen=set())
        imports = [b for b in blocks if b.startswith(("import ", "from "))]
        defs = [b for b in blocks if b not in imports]
        return "\n".join(imports + [""] * bool(imports) + ["\n\n".join(defs), "",
                                                            f"{answer} = {solution.__name__}"])
    if isinstance(node, ast.Lambda):
        lam = ast.get_source_segment(inspect.getsource(bank), node)
        return f"{answer} = {lam}"
    return f"{answer} = {_literal(solution)}"


def hidden_cases(name: str) -> list[tuple[tuple, dict, object]]:
    """``(args, kwargs, result)`` of every call the checker makes to the reference solution
    (for an answer that is a value: one case ``((), {}, value)``)."""
    from contexture_lab import exercises

    ex = exercises.get(name)
    if not callable(ex.solution):
        passed, message = ex.checker(ex.solution)
        if not passed:
            raise ValueError(f"{name}: the reference value fails its checker: {message}")
        return [((), {}, copy.deepcopy(ex.solution))]
    cases = []

    def recorder(*args, **kwargs):
        kept = (copy.deepcopy(args), copy.deepcopy(kwargs))
        result = ex.solution(*args, **kwargs)
        cases.append((*kept, copy.deepcopy(result)))
        return result

    passed, message = ex.checker(recorder)
    if not passed or not cases:
        raise ValueError(f"{name}: the reference solution fails its checker ({message}) or "
                         "was never called")
    return cases


def hidden_test(name: str, answer: str) -> str:
    """The hidden part of the autograder cell of exercise ``name``."""
    form = ANSWER_FORMS.get(name, "values")
    if form == "property":
        return (f"_passed, _message = cl.exercises.get({name!r}).checker({answer})\n"
                f"assert _passed, _message")
    from contexture_lab import exercises

    blob = base64.b64encode(zlib.compress(pickle.dumps(hidden_cases(name)), 9)).decode()
    got = f"{answer}(*_args, **_kwargs)" if callable(exercises.get(name).solution) else answer
    if form == "multiset":
        arrays = "_np.sort(_np.ravel(_got)), _np.sort(_np.ravel(_want))"
    else:
        arrays = "_got, _want"
    lines = ["import base64 as _base64, pickle as _pickle, zlib as _zlib",
             "import numpy as _np",
             "# reference values recorded by tools/nbgrader_source.py from the reference solution",
             f'_cases = _pickle.loads(_zlib.decompress(_base64.b64decode("{blob}")))',
             "def _same(_got, _want):   # a pair or list is compared item by item",
             "    if isinstance(_want, (tuple, list)):",
             "        assert isinstance(_got, (tuple, list)) and len(_got) == len(_want), \\",
             "            f'expected {len(_want)} items, got {_got!r:.80}'",
             "        for _g, _w in zip(_got, _want):",
             "            _same(_g, _w)",
             "        return",
             "    _got, _want = _np.asarray(_got, dtype=float), _np.asarray(_want, dtype=float)",
             f"    _np.testing.assert_allclose({arrays}, rtol={RTOL}, atol={ATOL}, strict=True)",
             "for _args, _kwargs, _expected in _cases:",
             f"    _same({got}, _expected)"]
    return "\n".join(lines)


def _grade_id(name: str, kind: str) -> str:
    return f"{kind}_{name.replace('.', '_')}"


def _nbgrader(kind: str, name: str) -> dict:
    meta = {"grade_id": _grade_id(name, kind), "schema_version": 3, "task": False}
    if kind == "solution":
        return {**meta, "solution": True, "grade": False, "locked": False}
    return {**meta, "solution": False, "grade": True, "locked": True, "points": POINTS}


def source_notebook(path: Path):
    """The nbgrader source version of the lab notebook at ``path`` (outputs cleared)."""
    nb = nbformat.read(path, as_version=4)
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        found = CHECK.findall(cell.source) if cell.cell_type == "code" else []
        if not found:
            cells.append(cell)
            continue
        if len(found) > 1:
            raise ValueError(f"{path.name}: one cell checks several exercises {found}")
        (name, answer, _), = found
        lines = cell.source.rstrip().splitlines()
        check_at = next(i for i, line in enumerate(lines) if CHECK.match(line))
        cell.source = "\n".join(lines[:check_at] + ["### BEGIN SOLUTION",
                                                    reference_source(name, answer),
                                                    "### END SOLUTION"] + lines[check_at:])
        cell.metadata["nbgrader"] = _nbgrader("solution", name)
        test = nbformat.v4.new_code_cell("\n".join([
            f"# autograder: {name} ({POINTS} point)",
            f"assert cl.exercises.check({name!r}, {answer}), 'the check above does not pass yet'",
            "### BEGIN HIDDEN TESTS", hidden_test(name, answer), "### END HIDDEN TESTS"]))
        test.metadata["nbgrader"] = _nbgrader("test", name)
        cells += [cell, test]
    nb.cells = cells
    return nb


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("course", type=Path, help="the nbgrader course folder")
    parser.add_argument("--assignment", default="contexture_lab")
    parser.add_argument("--notebooks", nargs="*", default=[],
                        help="numbers (05) or names; default: every notebook")
    args = parser.parse_args(argv)
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.notebooks:
        wanted = [w.removesuffix(".ipynb") for w in args.notebooks]
        chosen = [p for p in paths if any(p.stem == w or p.stem.startswith(f"{w}_")
                                          for w in wanted)]
        if len(chosen) != len(wanted):
            parser.error(f"not one notebook each for {wanted}; have {[p.stem for p in paths]}")
        paths = chosen
    target = args.course / "source" / args.assignment
    target.mkdir(parents=True, exist_ok=True)
    for path in paths:
        nbformat.write(source_notebook(path), target / path.name)
        print(f"wrote {target / path.name}")
    config = args.course / "nbgrader_config.py"
    if not config.exists():
        config.write_text(CONFIG)
        print(f"wrote {config}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
