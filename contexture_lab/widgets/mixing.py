"""The mixing explorer: pick two contexts, an operation and its weight or depth.

Compute lives in :mod:`contexture_lab.explore.mixing` (a precomputed sweep), drawing in
:class:`contexture_lab.plotting.mixing.MixingPanels`; this module only wires the controls.
"""

from __future__ import annotations

import ipywidgets
import numpy as np

from ..explore.mixing import MixingSweep, digits_mixing_sweep, pair_name
from ..plotting.mixing import MixingPanels
from .base import Explorer, readout_html


def _fmt(x: float, digits: int = 3) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.{digits}f}"


class MixingExplorer(Explorer):
    """Controls ``pair``, ``operation``, ``weight``, ``depth`` and ``d`` over a sweep.

    ``update(pair="KNN-3 & KNN-300", operation="convex", weight=0.75, d=8)``: the pair is
    a :func:`~contexture_lab.explore.mixing.pair_name`, the weight (of the pair's first
    context) and the depth must lie on the sweep's grid; the weight is used by the convex
    combination, the depth by the convolution (the other slider is disabled).
    Attributes ``sweep``, ``panels`` (the artists), ``widget``, ``figure``.

    Parameters
    ----------
    sweep : contexture_lab.explore.mixing.MixingSweep
        The precomputed sweep the controls index into.
    pair : str, optional
        Initial pair, a :func:`~contexture_lab.explore.mixing.pair_name` of one of
        ``sweep.pairs``; default the middle one.
    operation : str, optional
        Initial operation, one of ``sweep.operations``; default the first.
    weight : float, optional
        Initial convex weight, on ``sweep.weights``; default the middle of the grid.
    depth : int, optional
        Initial convolution depth, on ``sweep.depths``; default the middle of the grid.
    d : int, optional
        Initial encoder dimension, one of ``sweep.d_values``; default the largest.
    figsize : tuple of float, default=MixingPanels.FIGSIZE
        Figure size in inches.
    """

    def __init__(self, sweep: MixingSweep, *, pair=None, operation=None, weight=None,
                 depth=None, d=None, figsize=MixingPanels.FIGSIZE):
        if not isinstance(sweep, MixingSweep):
            raise TypeError(f"sweep must be a MixingSweep, got {type(sweep).__name__}")
        self.sweep = sweep
        pairs = [pair_name(*p) for p in sweep.pairs]
        weights = [float(w) for w in sweep.weights] or [0.5]
        depths = [int(t) for t in sweep.depths] or [1]
        pick = lambda grid, value: grid[len(grid) // 2] if value is None else value  # noqa
        controls = {
            "pair": ipywidgets.Dropdown(options=pairs, value=pick(pairs, pair),
                                        description="contexts"),
            # label and buttons on one line: the widget keeps the width they need
            "operation": ipywidgets.ToggleButtons(
                options=list(sweep.operations), description="operation",
                value=operation or sweep.operations[0],
                style={"button_width": "118px", "description_width": "initial"},
                layout=ipywidgets.Layout(width=f"{90 + 122 * len(sweep.operations)}px",
                                         flex="0 0 auto")),
            "weight": ipywidgets.SelectionSlider(options=weights, value=pick(weights, weight),
                                                 description="weight w"),
            "depth": ipywidgets.SelectionSlider(options=depths, value=pick(depths, depth),
                                                description="depth"),
            "d": ipywidgets.SelectionSlider(options=[int(v) for v in sweep.d_values],
                                            value=int(d or sweep.d_values[-1]),
                                            description="d"),
        }
        # the widest context name: the readout's columns never move
        self._name_width = 2 + max(len(name) for p in sweep.pairs for name in (*p, "mixture"))
        super().__init__(controls, figsize=figsize)

    def _setup(self, figure) -> None:
        self.panels = MixingPanels(figure, self.sweep)
        self.animated = self.panels.artists

    def _redraw(self, pair, operation, weight, depth, d) -> str:
        sw = self.sweep
        first, second = pair.split(" & ")
        value = {"convex": weight, "convolution": depth}.get(operation)
        i = sw.row(pair, operation, value)
        parents = (sw.parent_row(first), sw.parent_row(second))
        j = sw.d_index(d)
        self.controls["weight"].disabled = operation != "convex"
        self.controls["depth"].disabled = operation != "convolution"
        self.panels.show((*parents, i), sw.path((first, second), operation), j)
        m = sw.metrics
        rows = [[name, _fmt(sw.singular_values[r, 0]), _fmt(m["sum_s2"][r], 1),
                 _fmt(m["kernel_deviation"][r]), _fmt(m["tau"][r]), _fmt(m["decay_rate"][r]),
                 f"<b>{_fmt(sw.probe_error[r, j])}</b>"]
                for name, r in ((first, parents[0]), (second, parents[1]), ("mixture", i))]
        header = ["", "s<sub>1</sub>", "&sum; s<sub>i</sub><sup>2</sup>", "kernel dev.",
                  "&tau;", "decay", f"probe error (d = {d})"]
        widths = [self._name_width, 8, 9, 12, 8, 8, 20]
        return readout_html(f"<b>{sw.label(i)}</b> (M = {sw.n_contexts[i]} context values)",
                            header, rows, widths=widths)


def mixing_explorer(sweep: MixingSweep | None = None, *, pair=None, operation=None,
                    weight=None, depth=None, d=None, **sweep_kwargs) -> MixingExplorer:
    """The mixing explorer (notebook 06's centrepiece).

    Parameters
    ----------
    sweep : MixingSweep, optional
        A precomputed sweep (:func:`contexture_lab.explore.mixing.build_sweep`); default
        :func:`~contexture_lab.explore.mixing.digits_mixing_sweep` (KNN-3, KNN-30 and
        KNN-300 on 1,000 digits; takes several seconds to compute).
    pair, operation, weight, depth, d : optional
        Initial control values (on the sweep's grid).
    **sweep_kwargs : dict
        Passed to ``digits_mixing_sweep`` when ``sweep`` is None.

    Returns
    -------
    MixingExplorer
        ``ex.update(operation="convolution", depth=2)`` moves the controls and redraws;
        display ``ex.widget``; ``ex.figure`` is the matplotlib figure.
    """
    if sweep is None:
        sweep = digits_mixing_sweep(**sweep_kwargs)
    elif sweep_kwargs:
        raise TypeError(f"unexpected keyword(s) {sorted(sweep_kwargs)} with a given sweep")
    return MixingExplorer(sweep, pair=pair, operation=operation, weight=weight, depth=depth,
                          d=d)


__all__ = ["MixingExplorer", "mixing_explorer"]
