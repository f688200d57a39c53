"""Re-execute notebooks top to bottom and store normalised outputs for nbval.

    python3 tools/maintain.py execute                  # every notebook in notebooks/
    python3 tools/maintain.py execute notebooks/05_association_strength.ipynb

Runs each notebook in its own kernel with the test environment of tasks.py (CPU, two
threads, a fresh sweep cache), then removes what changes from run to run without meaning
anything: execution timestamps, stored widget state, random cell ids. Prints the run time
of each notebook.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def merge_streams(outputs: list) -> list:
    """One output per run of consecutive stdout (or stderr) chunks: how a kernel splits
    its prints into messages depends on timing, never on what was printed."""
    merged = []
    for out in outputs:
        last = merged[-1] if merged else None
        if (out.get("output_type") == "stream" and last is not None
                and last.get("output_type") == "stream" and last.get("name") == out.get("name")):
            last["text"] = "".join(last["text"]) + "".join(out["text"])
        else:
            merged.append(out)
    return merged


def normalise(nb) -> None:
    """Drop volatile metadata so that a re-run diff shows only real changes."""
    nb.metadata.pop("widgets", None)
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)


def execute(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    elapsed = time.perf_counter() - start
    normalise(nb)
    nbformat.write(nb, path)
    return elapsed


def main(argv) -> None:
    paths = [Path(p).resolve() for p in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="contexture_lab_cache_") as cache:
        os.environ["CONTEXTURE_LAB_CACHE"] = cache
        for path in paths:
            print(f"{path.name}: {execute(path):.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
