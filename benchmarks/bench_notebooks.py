"""Run time and peak memory of every notebook, run top to bottom as a student's kernel does.

Each notebook runs in a fresh process (nbclient, a new ``python3`` kernel, 2 CPU cores,
``CONTEXTURE_LAB_DEVICE=cpu``) with an empty sweep cache (``CONTEXTURE_LAB_CACHE`` points
to a new temporary folder), so the numbers are those of a first visit. Reported:

- run time: from the kernel being ready to the last cell finished (kernel start-up apart);
- peak memory: the kernel's peak resident set (``VmHWM`` in ``/proc/<pid>/status``, summed
  over the kernel and any child processes), read after every cell.

    python benchmarks/bench_notebooks.py [notebooks/05_*.ipynb ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BINDER_LIMIT_MB = 1536  # what a notebook may peak at so Binder's 2 GB stays safe


def _vm_hwm_mb(pid: int) -> float:
    """Peak resident set size of one process, from /proc (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tree_peak_mb(pid: int) -> float:
    """Peak RSS of a process plus that of its living descendants."""
    pids = [pid]
    try:
        import psutil

        pids += [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except Exception:  # noqa: BLE001 - psutil missing or the process just ended: the kernel alone
        pass
    return sum(_vm_hwm_mb(p) for p in pids)


def measure(path: Path) -> dict:
    """Execute one notebook in this process's kernel child; time and peak memory."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    marks = {"peak_mb": 0.0}
    client = NotebookClient(nb, timeout=900, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})

    def started(**_):
        marks["start"] = time.perf_counter()

    def cell_done(**_):
        marks["end"] = time.perf_counter()
        pid = client.km.provisioner.process.pid
        marks["peak_mb"] = max(marks["peak_mb"], _tree_peak_mb(pid))

    client.on_notebook_start = started
    client.on_cell_executed = cell_done
    client.execute()
    return {"notebook": path.stem, "seconds": marks["end"] - marks["start"],
            "peak_mb": marks["peak_mb"],
            "cells": sum(c.cell_type == "code" for c in nb.cells)}


def run_one(path: Path) -> dict:
    """Measure one notebook in a fresh Python process with an empty cache."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        env = {**os.environ, "CONTEXTURE_LAB_DEVICE": "cpu",
               "CONTEXTURE_LAB_CACHE": str(Path(tmp) / "cache"), "MPLBACKEND": "Agg"}
        env.setdefault("OMP_NUM_THREADS", "2")
        proc = subprocess.run([sys.executable, __file__, "--measure", str(path), str(out)],
                              env=env, cwd=path.parent, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{path.name} failed to run:\n{proc.stderr[-4000:]}")
        return json.loads(out.read_text())


def table(rows: list[dict]) -> str:
    lines = ["| notebook | code cells | run time (s) | peak memory (MB) | under 1.5 GB |",
             "|---|---:|---:|---:|---|"]
    for r in rows:
        ok = "yes" if r["peak_mb"] < BINDER_LIMIT_MB else "**no**"
        lines.append(f"| `{r['notebook']}` | {r['cells']} | {r['seconds']:.1f} | "
                     f"{r['peak_mb']:.0f} | {ok} |")
    return "\n".join(lines)


def main(argv=None) -> tuple[str, list[dict]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        path, out = map(Path, args.measure)
        Path(out).write_text(json.dumps(measure(path)))
        return "", []
    paths = args.notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    rows = []
    for path in paths:
        rows.append(run_one(path.resolve()))
        r = rows[-1]
        print(f"  {r['notebook']}: {r['seconds']:.1f} s, peak {r['peak_mb']:.0f} MB",
              flush=True)
    text = table(rows)
    print(text)
    return text, rows


if __name__ == "__main__":
    main()
