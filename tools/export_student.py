#!/usr/bin/env python3
"""Export the student version of the lab's notebooks: outputs cleared, exercises unsolved.

The committed notebooks never contain solutions (solutions live in the package and are
filled in only when ``CONTEXTURE_LAB_INSTRUCTOR=1``). This tool copies
``notebooks/NN_*.ipynb`` to a folder with every output, execution count and per-cell
execution metadata removed, after checking each notebook:

- every code cell that calls ``cl.exercises.check("NN.name", ...)`` still holds the
  placeholder ``cl.exercises.TODO`` (outside comments), so no solution slipped in;
- every checked name is a registered exercise of that notebook (prefix ``NN.``), and every
  exercise registered for the notebook is checked in it;
- the notebook has at least two exercises.

Nothing is written when a check fails (the problems are listed, exit status 1).

    .venv/bin/python tools/export_student.py DEST [--notebooks notebooks] [--force]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CHECK = re.compile(r"""cl\.exercises\.check\(\s*["']([^"']+)["']""")
TODO = "cl.exercises.TODO"
MIN_EXERCISES = 2


def _code(source: str) -> str:
    """Source with comments removed (a TODO inside a comment does not count)."""
    return "\n".join(line.split("#", 1)[0] for line in source.splitlines())


def problems(nb, number: str) -> list[str]:
    """What is wrong with the student version of notebook ``number`` (empty: fine)."""
    from contexture_lab import exercises

    found, out = [], []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        code = _code(cell.source)
        names = CHECK.findall(code)
        found += names
        if names and TODO not in code:
            out.append(f"cell {index} checks {names} but holds no {TODO} placeholder "
                       "(a solution in the student version?)")
    registered = set(exercises.names(f"{number}."))
    for name in sorted(set(found) - registered):
        out.append(f"checks {name!r}, which is not a registered exercise of notebook "
                   f"{number} (registered: {sorted(registered)})")
    for name in sorted(registered - set(found)):
        out.append(f"exercise {name!r} is registered but never checked in the notebook")
    if len(set(found)) < MIN_EXERCISES:
        out.append(f"has {len(set(found))} exercise(s); a notebook needs at least "
                   f"{MIN_EXERCISES}")
    return out


def student_version(nb):
    """A copy of ``nb`` with outputs, execution counts and execution metadata removed."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    return nb


def export(dest: Path, source: Path, *, force: bool = False) -> list[Path]:
    """Check every notebook in ``source``, then write the student versions to ``dest``.

    Raises ``ValueError`` listing every problem (nothing written) and
    ``FileExistsError`` when a notebook of that name is in ``dest`` and ``force`` is
    False (other files in ``dest`` are left alone).
    """
    paths = sorted(source.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise ValueError(f"no notebooks NN_*.ipynb in {source}")
    books, errors = {}, []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        errors += [f"{path.name}: {p}" for p in problems(nb, path.name[:2])]
        books[path.name] = student_version(nb)
    if errors:
        raise ValueError("not exported:\n  " + "\n  ".join(errors))
    clash = [name for name in books if (dest / name).exists()]
    if clash and not force:
        raise FileExistsError(f"{dest} already holds {clash} (pass --force to overwrite)")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for name, nb in books.items():
        nbformat.validate(nb)
        nbformat.write(nb, dest / name)
        written.append(dest / name)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path, help="folder for the student notebooks")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks",
                        help="source folder (default: notebooks/)")
    parser.add_argument("--force", action="store_true", help="overwrite notebooks already in DEST")
    args = parser.parse_args(argv)
    try:
        written = export(args.dest, args.notebooks, force=args.force)
    except (ValueError, FileExistsError) as exc:
        print(exc, file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
