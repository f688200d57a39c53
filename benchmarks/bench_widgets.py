"""Cost of one slider step of the lab's explorers: compute + redraw, in milliseconds.

For each explorer, 100 seeded random slider steps (each control moves to a random value
of its grid) are timed from ``update(**knobs)`` until the new image is rendered and
encoded for the browser, as a connected ipympl front end would receive it:

- the canvas has done one full draw first (what displaying the widget does) and is in
  the state ipympl enters once the front end says it is initialised (no full-PNG
  ``data_url`` sync, only diff images are sent);
- an explorer that blits renders inside ``update``; one that calls ``draw_idle`` is
  followed by the full ``canvas.draw()`` that the browser's draw request triggers.

Runs pinned to 2 CPU cores when the machine has more; each explorer is built with an
empty sweep cache (a first open). Prints a markdown table.

    python benchmarks/bench_widgets.py [--steps 100] [--explorers association mixing ...]

Adding an explorer: put a zero-argument factory in ``FACTORIES``; the steps come from
its controls (:func:`random_steps`), or pass your own list of knob dicts to
:func:`time_steps`.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

TARGET_MS = 50.0


def _association():
    from contexture_lab.widgets import association_explorer

    return association_explorer()


def _mixing():
    from contexture_lab.widgets import mixing_explorer

    return mixing_explorer()


def _attention():
    from contexture_lab.widgets import attention_explorer

    return attention_explorer()


#: name -> zero-argument factory of an explorer (``update``, ``controls``, ``canvas``).
FACTORIES = {"association": _association, "mixing": _mixing, "attention": _attention}


def _grid(widget) -> list:
    """The values a control can take: its options, or its slider range by step."""
    if hasattr(widget, "options"):
        options = list(widget.options)
        return [o[1] if isinstance(o, tuple) else o for o in options]
    if hasattr(widget, "min") and hasattr(widget, "max"):
        step = getattr(widget, "step", None) or (widget.max - widget.min) / 20
        return list(np.arange(widget.min, widget.max + step / 2, step))
    if isinstance(widget.value, bool):
        return [False, True]
    return [widget.value]


def random_steps(explorer, n: int = 100, seed: int = 0) -> list[dict]:
    """``n`` knob dicts; each moves one random control to a random other grid value."""
    rng = np.random.default_rng(seed)
    grids = {name: _grid(w) for name, w in explorer.controls.items()}
    names = [name for name, grid in grids.items() if len(grid) > 1]
    state = dict(explorer.state)
    steps = []
    for _ in range(n):
        name = names[rng.integers(len(names))]
        choices = [v for v in grids[name] if v != state[name]]
        state[name] = choices[rng.integers(len(choices))]
        steps.append({name: state[name]})
    return steps


def time_steps(explorer, steps: list[dict]) -> np.ndarray:
    """Seconds per step: ``update(**knobs)`` plus the redraw a browser would get."""
    canvas = explorer.canvas
    canvas.draw()  # the first full draw, as when the widget is displayed
    if hasattr(canvas, "syncing_data_url"):
        canvas.syncing_data_url = False  # what ipympl does once a front end is connected
    times = []
    for knobs in steps:
        t0 = time.perf_counter()
        explorer.update(**knobs)
        if not getattr(explorer, "blits", False):
            canvas.draw()  # draw_idle: the front end asks for a full draw
        times.append(time.perf_counter() - t0)
    return np.asarray(times)


def pin_two_cores() -> str:
    """Pin this process (and so its children) to two cores when there are more."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) > 2:
        os.sched_setaffinity(0, cores[:2])
        return "2 (pinned)"
    return str(len(cores) or os.cpu_count())


def _build_uncached(factory):
    """(explorer, seconds, CPU seconds of this process) built with an empty sweep cache, as
    on a first open (the CPU time is what a busy, shared machine does not inflate)."""
    with tempfile.TemporaryDirectory() as cache:
        saved = os.environ.get("CONTEXTURE_LAB_CACHE")
        os.environ["CONTEXTURE_LAB_CACHE"] = cache
        try:
            t0, c0 = time.perf_counter(), time.process_time()
            explorer = factory()
            return explorer, time.perf_counter() - t0, time.process_time() - c0
        finally:
            if saved is None:
                del os.environ["CONTEXTURE_LAB_CACHE"]
            else:
                os.environ["CONTEXTURE_LAB_CACHE"] = saved


def table(steps: int = 100, explorers=None) -> str:
    """Markdown table: median and p95 of a step, and the set-up with an empty cache."""
    lines = ["| explorer | steps | median (ms) | p95 (ms) | set-up (s) | set-up CPU (s) |",
             "|---|---:|---:|---:|---:|---:|"]
    for name in explorers or FACTORIES:
        try:
            explorer, setup, cpu = _build_uncached(FACTORIES[name])
        except (ImportError, AttributeError, TypeError) as exc:
            lines.append(f"| {name} | not available ({type(exc).__name__}) | | | | |")
            continue
        ms = 1000 * time_steps(explorer, random_steps(explorer, steps))
        lines.append(f"| {name} | {ms.size} | {np.median(ms):.1f} | "
                     f"{np.percentile(ms, 95):.1f} | {setup:.1f} | {cpu:.1f} |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--explorers", nargs="+", default=list(FACTORIES),
                        choices=list(FACTORIES))
    args = parser.parse_args(argv)
    cores = pin_two_cores()
    print(f"Explorer step cost (compute + redraw), CPU cores: {cores}; target: median under "
          f"{TARGET_MS:.0f} ms\n")
    print("\n" + table(args.steps, args.explorers))


if __name__ == "__main__":
    main()
