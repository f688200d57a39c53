"""The contexture engine against scikit-learn's SpectralEmbedding on KNN graphs.

For n = 2,000 / 20,000 / 100,000 points of a noisy swiss roll (3-D), measures the time and
peak memory of building the KNN context (k = 10) and of ``contexture(ctx, d=32)``, next to
``SpectralEmbedding(affinity="nearest_neighbors", n_neighbors=10, n_components=32)`` on the
same points, and the agreement of the two embeddings (mean squared canonical correlation).
Every measurement runs in a fresh process after one untimed warm-up run of the same method
on 500 points (one-time costs of a process stay out), --repeat times, ours and theirs
interleaved; the table shows medians, as timings on a shared machine vary by 10-30 % from
run to run. "peak MB" is the rise of the process's peak resident memory above what it held
once the data, the libraries and the warm-up run were loaded.

    python benchmarks/bench_engine.py [--sizes 2000 20000 100000] [--repeat 3] [--out FILE.md]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

D = 32
K = 10
WARM_UP = 500


def _status_mb(field: str) -> float:
    """A memory field of /proc/self/status (VmRSS: now, VmHWM: peak) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> None:
    """Restart the peak (VmHWM) at the current resident size (Linux >= 4.0)."""
    Path("/proc/self/clear_refs").write_text("5")


def measure(kind: str, n: int, out: str) -> None:
    """Run one measurement in this process and write its numbers as JSON to ``out``."""
    import numpy as np

    import contexture_lab as cl

    X = cl.datasets.swiss_roll(n, noise=0.05, random_state=0)
    # steady state on both sides: one untimed warm-up run on WARM_UP points first, so that
    # one-time costs of a process (lazy imports, library scans) stay out of the timings
    warm = cl.datasets.swiss_roll(WARM_UP, noise=0.05, random_state=1)
    if kind == "contexture":
        cl.contexture(cl.contexts.knn(warm, K), D, method="sparse")
    else:
        from sklearn.manifold import SpectralEmbedding

        SpectralEmbedding(n_components=D, affinity="nearest_neighbors", n_neighbors=K,
                          random_state=0).fit_transform(warm)
    _reset_peak()
    base = _status_mb("VmRSS")
    t0 = time.perf_counter()
    if kind == "contexture":
        ctx = cl.contexts.knn(X, K)
        t1 = time.perf_counter()
        res = cl.contexture(ctx, D)
        t2 = time.perf_counter()
        emb = res.left
        row = {"build_s": t1 - t0, "decompose_s": t2 - t1, "method": res.method}
    else:
        se = SpectralEmbedding(n_components=D, affinity="nearest_neighbors", n_neighbors=K,
                               random_state=0)
        emb = se.fit_transform(X)
        row = {"total_s": time.perf_counter() - t0}
    row["peak_mb"] = _status_mb("VmHWM") - base
    np.save(out + ".npy", emb)
    Path(out).write_text(json.dumps(row))


def run_one(kind: str, n: int, workdir: Path) -> dict:
    out = str(workdir / f"{kind}_{n}.json")
    subprocess.run([sys.executable, __file__, "--measure", kind, str(n), out], check=True)
    return json.loads(Path(out).read_text())


def median_runs(runs: list[dict]) -> dict:
    """Median of every number over repeated runs (other fields from the first run)."""
    return {key: (statistics.median(r[key] for r in runs) if isinstance(value, float) else value)
            for key, value in runs[0].items()}


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000, 100000])
    parser.add_argument("--repeat", type=int, default=3,
                        help="fresh processes per measurement; the table shows medians")
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    parser.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        kind, n, out = args.measure
        measure(kind, int(n), out)
        return ""

    import tempfile

    import numpy as np

    import contexture_lab as cl

    rows = ["| n | KNN build (s) | contexture d=32 (s) | peak MB | SpectralEmbedding (s) "
            "| peak MB | agreement R2_CCA |",
            "|---:|---:|---:|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in args.sizes:
            # interleaved, so both see the same moments of a shared machine
            pairs = [(run_one("contexture", n, tmp), run_one("spectral_embedding", n, tmp))
                     for _ in range(args.repeat)]
            ours = median_runs([p[0] for p in pairs])
            theirs = median_runs([p[1] for p in pairs])
            agree = cl.alignment.cca_r2(np.load(tmp / f"contexture_{n}.json.npy"),
                                        np.load(tmp / f"spectral_embedding_{n}.json.npy"))
            rows.append(f"| {n:,} | {ours['build_s']:.3f} | {ours['decompose_s']:.3f} "
                        f"({ours['method']}) | {ours['peak_mb']:.0f} | {theirs['total_s']:.3f} "
                        f"| {theirs['peak_mb']:.0f} | {agree:.3f} |")
            print(rows[-1], flush=True)
    table = "\n".join(rows)
    print()
    print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(table + "\n")
    return table


if __name__ == "__main__":
    main()
