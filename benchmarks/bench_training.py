"""Training time of ``cl.fit_encoder`` on CPU and, when present, on CUDA.

One fixed configuration: all 1,797 digits, KNN context (k = 15), d = 16, the two-encoder
objective ``"svme"`` with its defaults (MLP 64 -> 128 -> 128 -> 16, full-batch Adam,
150 epochs, seed 0). Each device gets one short warm-up run (start-up, kernel loading)
and then ``--repeats`` timed runs; the table reports the median wall time, the time per
epoch and the R2_CCA of the result against the exact top-16 contexture. On the CPU,
``fit_encoder`` trains on one thread (reproducible numbers), so the CPU row is one core.

    python benchmarks/bench_training.py [--objective svme] [--epochs 150] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time


def time_device(ctx, X, mu, device, objective, epochs, repeats):
    """Median seconds of ``repeats`` training runs on ``device`` and the last run's R2."""
    import torch

    import contexture_lab as cl

    def run(n_epochs):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        enc = cl.fit_encoder(ctx, objective, 16, random_state=0, epochs=n_epochs, device=device,
                             progress=False)
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        return time.perf_counter() - start, enc

    run(2)  # warm-up
    times = []
    for _ in range(repeats):
        seconds, enc = run(epochs)
        times.append(seconds)
    return statistics.median(times), cl.alignment.cca_r2(enc.transform(X), mu)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objective", default="svme")
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    import torch

    import contexture_lab as cl
    from contexture_lab.device import describe_device

    X = cl.datasets.load_digits().X
    ctx = cl.contexts.knn(X, 15)
    mu = cl.contexture(ctx, 16).left
    devices = [torch.device("cpu")]
    if torch.cuda.is_available():
        devices.append(torch.device("cuda"))
    print(f"digits N = {ctx.n_inputs}, KNN k = 15, d = 16, objective {args.objective!r}, "
          f"{args.epochs} epochs, median of {args.repeats}")
    print()
    print("| device | seconds | ms / epoch | R2_CCA |")
    print("|---|---:|---:|---:|")
    for device in devices:
        seconds, r2 = time_device(ctx, X, mu, device, args.objective, args.epochs,
                                  args.repeats)
        name = "cpu (1 thread)" if device.type == "cpu" else describe_device(device)
        print(f"| {name} | {seconds:.2f} | {1000 * seconds / args.epochs:.1f} | {r2:.3f} |")


if __name__ == "__main__":
    main()
