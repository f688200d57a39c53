"""Every benchmark of the lab in one command, as one markdown report.

    python3 tools/maintain.py bench          # everything (the engine at 100k points: minutes)
    python3 tools/maintain.py bench --quick  # the same without the 100,000-point engine run

Sections: per-notebook run time and peak memory (:mod:`bench_notebooks`), widget step
latency (:mod:`bench_widgets`), the contexture engine against scikit-learn's
SpectralEmbedding (:mod:`bench_engine`) and the import time of ``contexture_lab``.
Everything runs on 2 CPU cores (this process and its children are pinned to two cores
when the machine has more). The report is printed, written to
``benchmarks/results/latest.md`` (git-ignored) and to ``benchmarks/RESULTS.md`` (the
committed copy the README and docs/INSTRUCTORS.md quote).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import bench_engine  # noqa: E402
import bench_notebooks  # noqa: E402
import bench_widgets  # noqa: E402

SECTIONS = ("notebooks", "widgets", "engine", "import")
IMPORT_SNIPPET = ("import sys, time; t = time.perf_counter(); import contexture_lab; "
                  "dt = time.perf_counter() - t; "
                  "print(dt, *[m for m in ('torch', 'matplotlib', 'ipywidgets') "
                  "if m in sys.modules])")


def machine(cores: str) -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip() or "?"
    except OSError:
        commit = "?"
    from importlib.metadata import version

    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f"{stamp}, commit `{commit}`; {cpu}, CPU cores: {cores}; Python "
            f"{platform.python_version()}, torch {version('torch')}, "
            f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")


def import_section(repeats: int = 5) -> str:
    """Import time of contexture_lab in fresh interpreters (median of ``repeats``)."""
    times, heavy = [], set()
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", IMPORT_SNIPPET], check=True,
                             capture_output=True, text=True, cwd=ROOT).stdout.split()
        times.append(float(out[0]))
        heavy.update(out[1:])
    loaded = ", ".join(sorted(heavy)) if heavy else "none of torch, matplotlib, ipywidgets"
    return ("| import contexture_lab | median of 5 (ms) | min (ms) | heavy modules loaded |\n"
            "|---|---:|---:|---|\n"
            f"| fresh interpreter | {1000 * statistics.median(times):.0f} | "
            f"{1000 * min(times):.0f} | {loaded} |")


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="skip the 100,000-point engine comparison")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS),
                        help="run only these sections")
    parser.add_argument("--no-write", action="store_true",
                        help="print only; do not write benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    cores = bench_widgets.pin_two_cores()
    os.environ.setdefault("CONTEXTURE_LAB_DEVICE", "cpu")
    command = " ".join(["python3 tools/maintain.py bench",
                        *(argv if argv is not None else sys.argv[1:])])
    parts = ["# Benchmarks", "",
             f"Made by `{command}` on {machine(cores)}.", ""]

    if "notebooks" in args.only:
        print("notebooks (each in a fresh kernel, empty cache) ...", flush=True)
        text, _ = bench_notebooks.main([])
        parts += ["## Notebooks, run top to bottom", "",
                  "Fresh kernel, empty sweep cache (a student's first run), 2 CPU cores. "
                  "Peak memory is the kernel's peak resident set; Binder gives 2 GB.", "",
                  text, ""]
    if "widgets" in args.only:
        print("widgets ...", flush=True)
        parts += ["## Explorer step latency", "",
                  "One slider step = `update(**knobs)` plus the redraw the browser receives "
                  "(100 seeded random steps; see `benchmarks/bench_widgets.py`). Set-up = "
                  "building the explorer with an empty sweep cache: a first open (the association "
                  "explorer's sweep is read from the on-disk cache afterwards).", "",
                  bench_widgets.table(), ""]
    if "engine" in args.only:
        print("engine ...", flush=True)
        sizes = ["2000", "20000"] + ([] if args.quick else ["100000"])
        parts += ["## Contexture engine against scikit-learn's SpectralEmbedding", "",
                  f"KNN context (k = {bench_engine.K}), d = {bench_engine.D}, noisy swiss "
                  "roll; each cell is the median of three fresh processes, ours and theirs "
                  "interleaved, each after an untimed warm-up run on "
                  f"{bench_engine.WARM_UP} points (see `benchmarks/bench_engine.py`).",
                  "", bench_engine.main(["--sizes", *sizes]), ""]
    if "import" in args.only:
        print("import time ...", flush=True)
        parts += ["## Import time", "", import_section(), ""]

    report = "\n".join(parts)
    print()
    print(report)
    if not args.no_write:
        latest = HERE / "results" / "latest.md"
        latest.parent.mkdir(parents=True, exist_ok=True)
        latest.write_text(report)
        (HERE / "RESULTS.md").write_text(report)
        print(f"\nwritten to {latest.relative_to(ROOT)} and benchmarks/RESULTS.md")
    return report


if __name__ == "__main__":
    main()
