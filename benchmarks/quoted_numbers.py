"""The benchmark numbers that README.md and docs/INSTRUCTORS.md quote, generated from
``benchmarks/RESULTS.md`` (the latest ``python3 tools/maintain.py bench``).

A quoted passage sits between ``<!-- benchmarks:NAME -->`` and ``<!-- /benchmarks -->``
(HTML comments: invisible on GitHub and in the book); the guide's notebook table quotes
each notebook's run time and peak memory in its own columns. ``python
benchmarks/quoted_numbers.py`` says whether the documents agree with RESULTS.md;
``--write`` rewrites the passages and the table cells after a new benchmark run.
``tests/tooling/test_quoted_numbers.py`` fails when they disagree.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
DOCUMENTS = (ROOT / "README.md", ROOT / "docs" / "INSTRUCTORS.md")

_BLOCK = re.compile(r"(<!-- benchmarks:([a-z_]+) -->)(.*?)(<!-- /benchmarks -->)", re.S)
_ROW = re.compile(r"^\| `(\d\d_[a-z0-9_]+)` \|")


def tables(text: str) -> dict[str, list[dict[str, str]]]:
    """``{section heading: [row as {column: cell}]}`` of every markdown table in ``text``."""
    out, heading, header = {}, None, None
    for line in text.splitlines():
        if line.startswith("## "):
            heading, header = line[3:].strip(), None
        elif line.startswith("|") and heading is not None:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header = cells
            elif not all(set(c) <= set("-:") for c in cells):
                out.setdefault(heading, []).append(dict(zip(header, cells)))
        else:
            header = None
    return out


def _number(cell: str) -> float:
    return float(cell.replace(",", "").split()[0])


def results(path: Path = RESULTS) -> dict:
    """The numbers of RESULTS.md that the documents quote."""
    t = tables(path.read_text(encoding="utf-8"))
    notebooks = {row["notebook"].strip("`"): (_number(row["run time (s)"]),
                                              _number(row["peak memory (MB)"]))
                 for row in t["Notebooks, run top to bottom"]}
    explorers = {row["explorer"]: (_number(row["median (ms)"]), _number(row["p95 (ms)"]),
                                   int(_number(row["steps"])))
                 for row in t["Explorer step latency"]}
    imports = t["Import time"][0]
    return {"notebooks": notebooks, "explorers": explorers,
            "import_ms": _number(imports["median of 5 (ms)"])}


def notebook_cells(seconds: float, megabytes: float) -> tuple[str, str]:
    """The guide's run-time and peak-memory cells of one notebook: ``"25 s"``, ``"1.3 GB"``."""
    half_up = math.floor(seconds + 0.5)         # 8.5 s -> 9 s (format() would round to even)
    return f"{half_up} s", f"{math.floor(megabytes / 100 + 0.5) / 10:.1f} GB"


def _and(items: list[str]) -> str:
    """``"a, b and c"``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def passages(r: dict) -> dict[str, str]:
    """The text of every quoted passage, by name."""
    times = [t for t, _ in r["notebooks"].values()]
    peaks = [m for _, m in r["notebooks"].values()]
    ex = r["explorers"]
    steps = {s for _, _, s in ex.values()}
    p95 = max(p for _, p, _ in ex.values())
    names = _and(list(ex))
    medians = _and([f"{m:.1f}" for m, _, _ in ex.values()])
    first, last = min(r["notebooks"]), max(r["notebooks"])
    return {
        "notebooks": (f"every notebook ({first[:2]}-{last[:2]}) runs top to bottom in "
                      f"{min(times):.1f}-{max(times):.1f} s with a peak of at most "
                      f"{max(peaks):,.0f} MB (Binder gives 2 GB)"),
        "explorers": (f"a slider step of the {names} explorers takes {medians} ms (median of "
                      f"{'/'.join(str(s) for s in sorted(steps))} steps, compute + redraw; "
                      f"p95 under {math.ceil(p95 / 5) * 5} ms)"),
        "import": f"`import contexture_lab` takes about {r['import_ms'] / 1000:.1f} s",
    }


def _fix_blocks(text: str, wanted: dict[str, str], problems: list[str], where: str) -> str:
    def sub(m):
        name = m.group(2)
        if name not in wanted:
            problems.append(f"{where}: unknown passage {name!r} (known: {sorted(wanted)})")
            return m.group(0)
        if m.group(3) != wanted[name]:
            problems.append(f"{where}: passage {name!r} says {m.group(3)!r}; RESULTS.md gives "
                            f"{wanted[name]!r}")
        return m.group(1) + wanted[name] + m.group(4)
    return _BLOCK.sub(sub, text)


def _fix_table(text: str, notebooks: dict, problems: list[str], where: str) -> str:
    lines = text.splitlines(keepends=True)
    header = None
    for i, line in enumerate(lines):
        cells = line.rstrip("\n").split("|")
        if "run time" in line and "peak memory" in line and line.startswith("|"):
            header = [c.strip() for c in cells]
            continue
        m = _ROW.match(line)
        if not (m and header and m.group(1) in notebooks
                and len(cells) == len(header)):
            if not line.startswith("|"):
                header = None
            continue
        cols = (header.index("run time"), header.index("peak memory"))
        for col, want in zip(cols, notebook_cells(*notebooks[m.group(1)])):
            if cells[col].strip() != want:
                problems.append(f"{where}: {m.group(1)} quotes {cells[col].strip()!r}; "
                                f"RESULTS.md gives {want!r}")
                cells[col] = f" {want} "
        lines[i] = "|".join(cells) + ("\n" if line.endswith("\n") else "")
    return "".join(lines)


def check(write: bool = False) -> list[str]:
    """Problems (quotes that disagree with RESULTS.md); with ``write``, fix them."""
    r = results()
    wanted = passages(r)
    problems = []
    for path in DOCUMENTS:
        where = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        new = _fix_table(_fix_blocks(text, wanted, problems, where), r["notebooks"],
                         problems, where)
        if write and new != text:
            path.write_text(new, encoding="utf-8")
    return problems


if __name__ == "__main__":
    found = check(write="--write" in sys.argv[1:])
    print("\n".join(found) or "the quoted numbers agree with benchmarks/RESULTS.md")
    raise SystemExit(1 if found and "--write" not in sys.argv[1:] else 0)
