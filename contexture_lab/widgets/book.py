"""The lab's explorers as pages of the static book: every grid point, exported at build time.

The book (``python3 tools/maintain.py book``) has no kernel. For each explorer of a notebook
(:data:`BOOK_EXPLORERS`: 04 attention temperature, 05 association strength, 06 mixing) this
module builds the lab's own explorer, on the same sweep and at the same start as the
notebook, and steps it through every combination of its controls' options with
:meth:`~contexture_lab.widgets.base.Explorer.update` (what a slider step does). After each
step it records what the widget shows: the readout (``ex.readout.value``, the very HTML),
which controls are disabled, and the figure's pixels as the widget's canvas holds them.

Panels, not whole figures. The figure is cut into regions, one per panel (a row of axes is
cut halfway between neighbouring axes, rows halfway between rows), and the regions tile
it. Each region's pixels, the readout and the disabled flags are then stored once per
value of the controls they depend on. Those controls are found by checking (the smallest
set of controls on which the recorded value is a function over the whole grid), not
declared, so nothing drifts when an explorer changes: the spectrum panel of the association
explorer is stored per (k, d), its embedding per k, the attention matrix per temperature;
the grid does not multiply. Laid side by side, the regions of one grid point are exactly
the widget's figure at that point (pixel for pixel).

The page (``book/static/explorer.js``) only looks these up: moving a control swaps images
and the readout's HTML. No number is computed in JavaScript.

Command line (``tools/maintain.py book`` runs it with the lab's Python before Sphinx)::

    python -m contexture_lab.widgets.book OUT_DIR

writes ``OUT_DIR/<notebook>.js`` (the data) and ``OUT_DIR/<notebook>/`` (the panel images,
PNG, named by their content); the book serves them from ``_static/explorers/``.
"""

from __future__ import annotations

import io
import itertools
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._cache import cache_key

#: Pixels per figure point: the images are stored at twice the widget's density (as the
#: notebooks' inline figures are), and the page shows them at the widget's size.
SCALE = 2

#: The controls the page can show, by ipywidgets class: a range slider, a drop-down, buttons.
_KINDS = {"SelectionSlider": "slider", "Dropdown": "select", "ToggleButtons": "toggle"}


# ---------------------------------------------------------------------- the book's explorers
def _attention():
    from ..explore.attention import digits_temperature_sweep
    from .attention import attention_explorer

    sweep = digits_temperature_sweep(300, random_state=0, progress=False)
    return attention_explorer(sweep, temperature=0.0316)


def _association():
    from ..explore.association import digits_knn_sweep
    from .association import association_explorer

    return association_explorer(digits_knn_sweep(), value=8, d=16)


def _mixing():
    from ..explore.mixing import digits_mixing_sweep
    from .mixing import mixing_explorer

    sweep = digits_mixing_sweep(progress=False)
    # the notebook opens the explorer on the mixture that beats its parents by most at d = 8
    best = sweep.mixtures_beating_parents(d=8)[0]
    kind, op, value = sweep.keys[best["row"]]
    return mixing_explorer(sweep, pair=kind, operation=op, d=best["d"],
                           weight=value if op == "convex" else None,
                           depth=value if op == "convolution" else None)


#: Notebook (file stem) -> (explorer name, builder of the lab explorer the notebook shows).
BOOK_EXPLORERS = {
    "04_attention_as_contexture": ("attention", _attention),
    "05_association_strength": ("association", _association),
    "06_mixing_contexts": ("mixing", _mixing),
}


def book_explorer(notebook: str):
    """The lab explorer that a notebook shows, built as the book's export builds it (the
    same sweep and start).

    Parameters
    ----------
    notebook : str
        The notebook's file stem, a key of :data:`BOOK_EXPLORERS`
        (``"05_association_strength"``).

    Returns
    -------
    contexture_lab.widgets.base.Explorer
        A new explorer at the notebook's starting state (its sweep is computed or loaded
        from the cache).
    """
    if notebook not in BOOK_EXPLORERS:
        raise ValueError(f"notebook={notebook!r} has no explorer in the book; expected one "
                         f"of {sorted(BOOK_EXPLORERS)}")
    return BOOK_EXPLORERS[notebook][1]()


# ---------------------------------------------------------------------- reading a widget
def control_options(widget) -> list:
    """A selection control's options as (label, value) pairs, in the widget's order.

    Parameters
    ----------
    widget : ipywidgets selection widget
        A selection control (``SelectionSlider``, ``Dropdown``, ``ToggleButtons``) whose
        ``options`` are values or (label, value) pairs.

    Returns
    -------
    list of tuple
        ``(label, value)`` per option; a bare option ``o`` gives ``(str(o), o)``.
    """
    return [tuple(o) if isinstance(o, (tuple, list)) else (str(o), o) for o in widget.options]


def _plain(value):
    """A JSON-ready copy of an option value (numpy scalars to Python)."""
    return value.item() if isinstance(value, np.generic) else value


def describe_controls(explorer) -> list:
    """Each control of ``explorer``: name, kind, description, option labels and values,
    and the index of its current value.

    Parameters
    ----------
    explorer : contexture_lab.widgets.base.Explorer
        An explorer whose controls are all selection sliders, drop-downs or toggle
        buttons (another kind raises ``TypeError``).

    Returns
    -------
    list of dict
        One dict per control, in the explorer's order, with keys ``name``, ``kind``
        (``"slider"``, ``"select"`` or ``"toggle"``), ``description``, ``labels``,
        ``values`` (JSON-ready) and ``index``.
    """
    out = []
    for name, widget in explorer.controls.items():
        kind = _KINDS.get(type(widget).__name__)
        if kind is None:
            raise TypeError(f"control {name!r} is a {type(widget).__name__}; the book shows "
                            f"only {sorted(_KINDS)}")
        options = control_options(widget)
        values = [_plain(v) for _, v in options]
        out.append({"name": name, "kind": kind, "description": widget.description,
                    "labels": [str(label) for label, _ in options], "values": values,
                    "index": values.index(_plain(widget.value))})
    return out


def frame(explorer) -> np.ndarray:
    """The pixels the explorer shows now (:func:`prepare` must have drawn the figure once).

    A blitting explorer's step has drawn them into the canvas; for one that does not
    blit, a step only asks the front end to redraw, so the figure is drawn here, as that
    request would.

    Parameters
    ----------
    explorer : contexture_lab.widgets.base.Explorer
        A prepared explorer.

    Returns
    -------
    ndarray of uint8, shape (H, W, 3)
        A copy of the canvas's RGB pixels.
    """
    if not explorer.blits:
        explorer.canvas.draw()
    return np.asarray(explorer.canvas.buffer_rgba())[..., :3].copy()


def prepare(explorer, scale: int = SCALE):
    """Draw the explorer's figure once at ``scale`` times its pixel density; later steps
    (``update``) then redraw what moves, as in the lab.

    Parameters
    ----------
    explorer : contexture_lab.widgets.base.Explorer
        The explorer; its figure's dpi becomes ``72 * scale`` and its canvas stops
        sending frames to a front end.
    scale : int, default=SCALE
        Pixels per figure point.

    Returns
    -------
    contexture_lab.widgets.base.Explorer
        ``explorer`` itself.
    """
    explorer.figure.set_dpi(72 * scale)
    # no front end listens here: the frame each step would send it (a PNG of what changed)
    # is skipped; the canvas's own pixels, which that frame is cut from, are unchanged
    explorer.canvas.manager.refresh_all = lambda: None
    explorer.canvas.draw()
    return explorer


# ---------------------------------------------------------------------- cutting into panels
def _cuts(spans, size: float) -> list:
    """Cut points of [0, size] between groups of overlapping spans (lo, hi), halfway
    between neighbouring groups; returns [(start, stop), ...] tiling [0, size]."""
    groups = []
    for lo, hi in sorted(spans):
        if groups and lo < groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], hi)
        else:
            groups.append([lo, hi])
    edges = [0] + [round((a[1] + b[0]) / 2) for a, b in itertools.pairwise(groups)]
    edges.append(int(size))
    return [(a, b) for a, b in itertools.pairwise(edges) if b > a]


def regions(figure) -> list:
    """Rectangles in pixels that tile the drawn figure, one per panel: the axes (with
    their labels, titles and legends) grouped in rows, each row cut halfway between
    neighbouring axes.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A figure drawn on its canvas (its visible axes are measured).

    Returns
    -------
    list of tuple of int
        ``(x, y, w, h)`` per region, from the top left, rows top to bottom.
    """
    renderer = figure.canvas.get_renderer()
    width, height = (int(v) for v in figure.canvas.get_width_height(physical=True))
    boxes = []
    for ax in figure.axes:
        if not ax.get_visible():
            continue
        bb = ax.get_tightbbox(renderer)
        boxes.append((max(0.0, bb.x0), max(0.0, height - bb.y1), min(width, bb.x1),
                      min(height, height - bb.y0)))
    out = []
    for top, bottom in _cuts([(b[1], b[3]) for b in boxes], height):
        row = [b for b in boxes if top <= (b[1] + b[3]) / 2 < bottom]
        for left, right in _cuts([(b[0], b[2]) for b in row], width):
            out.append((left, top, right - left, bottom - top))
    return out


def smallest_key(states: list, values: list, names: list) -> tuple:
    """The smallest set of controls on which ``values`` is a function over ``states``
    (the first such set in ``names`` order).

    Parameters
    ----------
    states : list of tuple of int
        Grid points, each the option index of every control.
    values : list
        What was recorded at each state (comparable with ``!=``), as long as ``states``.
    names : list of str
        The controls' names, in the order of a state's indices.

    Returns
    -------
    positions : tuple of int
        Positions in ``names`` of the controls the values depend on.
    table : dict of str to object
        Key (those controls' option indices joined by commas) -> the value there.
    """
    for size in range(len(names) + 1):
        for subset in itertools.combinations(range(len(names)), size):
            table = {}
            for state, value in zip(states, values):
                key = ",".join(str(state[p]) for p in subset)
                if table.setdefault(key, value) != value:
                    break
            else:
                return subset, table
    raise AssertionError("unreachable: the full set of controls is always a key")


# ---------------------------------------------------------------------- export
@dataclass
class Export:
    """What :func:`export_explorer` wrote: the data file, the images, their bytes, time.

    Attributes
    ----------
    name : str
        The explorer's name (``"association"``).
    data_file : pathlib.Path
        The ``<notebook>.js`` file written.
    n_states : int
        Grid points stepped through.
    n_images : int
        Distinct panel images written.
    n_bytes : int
        Bytes of the data file and the images together.
    seconds : float
        Wall-clock time of the export.
    """

    name: str
    data_file: Path
    n_states: int
    n_images: int
    n_bytes: int
    seconds: float


def _png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def export_explorer(notebook: str, out_dir, *, explorer=None, scale: int = SCALE) -> Export:
    """Step the notebook's explorer through its whole grid and write the book's data.

    Writes ``out_dir/<notebook>.js`` (it registers ``window.CL_EXPLORERS[<notebook>]``:
    controls, readout and disabled flags by key, the regions and their images by key) and
    the images under ``out_dir/<notebook>/`` (stale images there are deleted).

    Parameters
    ----------
    notebook : str
        The notebook's file stem (a key of :data:`BOOK_EXPLORERS`, or any name when
        ``explorer`` is given).
    out_dir : str or path-like
        Folder to write into.
    explorer : contexture_lab.widgets.base.Explorer, optional
        The explorer to step; default :func:`book_explorer` of ``notebook``. Its controls
        are set back to where they were at the end.
    scale : int, default=SCALE
        Pixels per figure point of the images.

    Returns
    -------
    Export
        What was written and how long it took.
    """
    start = time.monotonic()
    name = BOOK_EXPLORERS[notebook][0] if notebook in BOOK_EXPLORERS else notebook
    ex = book_explorer(notebook) if explorer is None else explorer
    controls = describe_controls(ex)
    initial = dict(ex.state)
    prepare(ex, scale)
    rects = regions(ex.figure)
    names = [c["name"] for c in controls]
    states, readouts, disabled, crops = [], [], [], [[] for _ in rects]
    images: dict[str, bytes] = {}
    folder = Path(out_dir) / notebook
    for state in itertools.product(*(range(len(c["values"])) for c in controls)):
        ex.update(**{c["name"]: control_options(ex.controls[c["name"]])[i][1]
                     for c, i in zip(controls, state)})
        pixels = frame(ex)
        states.append(state)
        readouts.append(ex.readout.value)
        disabled.append(tuple(n for n in names if getattr(ex.controls[n], "disabled", False)))
        for r, (x, y, w, h) in enumerate(rects):
            crop = np.ascontiguousarray(pixels[y:y + h, x:x + w])
            # named by content: a rebuilt book never shows a browser's stale copy
            digest = cache_key("book-panel", crop, length=16)
            file = f"{r}-{digest}.png"
            if file not in images:
                images[file] = _png(crop)
            crops[r].append(file)
    ex.update(**initial)

    def keyed(values):
        # each distinct value once; the table maps the key to its position
        subset, table = smallest_key(states, [json.dumps(v) for v in values], names)
        distinct = list(dict.fromkeys(table.values()))
        return {"controls": [names[p] for p in subset],
                "values": [json.loads(v) for v in distinct],
                "table": {k: distinct.index(v) for k, v in table.items()}}

    data = {
        "notebook": notebook, "name": name, "scale": scale,
        "width": int(ex.figure.canvas.get_width_height(physical=True)[0]),
        "height": int(ex.figure.canvas.get_width_height(physical=True)[1]),
        "controls": controls,
        "readout": keyed(readouts),
        "disabled": keyed([list(d) for d in disabled]),
        "regions": [{"x": x, "y": y, "w": w, "h": h, **keyed(files)}
                    for (x, y, w, h), files in zip(rects, crops)],
    }
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        if old.name not in images:
            old.unlink()
    for file, payload in images.items():
        (folder / file).write_bytes(payload)
    data_file = Path(out_dir) / f"{notebook}.js"
    text = json.dumps(data, separators=(",", ":"))
    data_file.write_text(
        "// written by python -m contexture_lab.widgets.book (the lab explorer's own output)\n"
        "(window.CL_EXPLORERS = window.CL_EXPLORERS || {})"
        f"[{json.dumps(notebook)}] = Object.assign({text}, "
        "{base: new URL(" + json.dumps(notebook + "/") + ", document.currentScript.src)"
        ".href});\n", encoding="utf-8")
    n_bytes = data_file.stat().st_size + sum(len(b) for b in images.values())
    return Export(name=name, data_file=data_file, n_states=len(states),
                  n_images=len(images), n_bytes=n_bytes, seconds=time.monotonic() - start)


def export_all(out_dir, notebooks=None, *, log=print) -> list:
    """:func:`export_explorer` for every notebook of :data:`BOOK_EXPLORERS` (or those
    given) into ``out_dir``.

    Parameters
    ----------
    out_dir : str or path-like
        Folder to write into (made if missing).
    notebooks : sequence of str, optional
        Notebook file stems; default every key of :data:`BOOK_EXPLORERS`.
    log : callable or None, default=print
        Called with one line per explorer (grid points, images, size, time); None is
        silent.

    Returns
    -------
    list of Export
        One per notebook, in order.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    done = []
    for notebook in notebooks or BOOK_EXPLORERS:
        result = export_explorer(notebook, out_dir)
        done.append(result)
        if log is not None:
            log(f"{notebook}: {result.name} explorer, {result.n_states} grid points, "
                f"{result.n_images} panel images, {result.n_bytes / 1e6:.2f} MB, "
                f"{result.seconds:.1f} s")
    return done


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 1:
        print("usage: python -m contexture_lab.widgets.book OUT_DIR [NOTEBOOK ...]",
              file=sys.stderr)
        return 2
    export_all(argv[0], argv[1:] or None)
    return 0


__all__ = ["BOOK_EXPLORERS", "SCALE", "Export", "book_explorer", "control_options",
           "describe_controls", "export_all", "export_explorer", "frame", "prepare",
           "regions", "smallest_key"]

if __name__ == "__main__":
    sys.exit(main())
