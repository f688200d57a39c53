"""The association explorer: turn a knob, watch the spectrum, functions and error move.

Compute lives in :mod:`contexture_lab.explore.association` (a precomputed, cached sweep),
drawing in :class:`contexture_lab.plotting.association.AssociationPanels`; this module only
wires two sliders to them.
"""

from __future__ import annotations

import ipywidgets
import numpy as np

from ..explore.association import AssociationSweep, digits_knn_sweep
from ..plotting.association import AssociationPanels
from .base import Explorer, readout_html


def _options(values) -> list:
    """Slider options: ints when every knob value is integral, else floats."""
    values = np.asarray(values, dtype=float)
    if np.all(values == np.round(values)):
        return [int(v) for v in values]
    return [float(v) for v in values]


def _fmt(x: float, digits: int = 3) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.{digits}f}"


class AssociationExplorer(Explorer):
    """Sliders for a knob and the encoder dimension d over a precomputed sweep.

    ``update(<parameter>=value, d=...)``: the parameter is the sweep's (``k`` for KNN,
    ``bandwidth``, ``steps``, ``flip``, ``temperature``); values must lie on the grid.
    Attributes ``sweep``, ``panels`` (the artists), ``widget``, ``figure``.

    Parameters
    ----------
    sweep : contexture_lab.explore.association.AssociationSweep
        The precomputed sweep the sliders index into.
    value : float, optional
        Initial knob value, on the sweep's grid; default the middle of the grid.
    d : int, optional
        Initial encoder dimension, one of ``sweep.d_values``; default the largest.
    figsize : tuple of float, optional
        Figure size in inches; default ``AssociationPanels.FIGSIZE`` (or
        ``FIGSIZE_NO_IMAGES`` for a sweep without function images).
    """

    def __init__(self, sweep: AssociationSweep, *, value=None, d=None, figsize=None):
        if not isinstance(sweep, AssociationSweep):
            raise TypeError(f"sweep must be an AssociationSweep, got {type(sweep).__name__}")
        self.sweep = sweep
        options = _options(sweep.values)
        value = options[len(options) // 2] if value is None else options[sweep.index(value)]
        d = int(sweep.d_values[-1]) if d is None else int(sweep.d_values[sweep.d_index(d)])
        knob = ipywidgets.SelectionSlider(options=options, value=value,
                                          description=sweep.parameter,
                                          continuous_update=True)
        dim = ipywidgets.SelectionSlider(options=[int(v) for v in sweep.d_values], value=d,
                                         description="d", continuous_update=True)
        if figsize is None:      # two panels a row, each over 250 px
            figsize = (AssociationPanels.FIGSIZE if sweep.images is not None
                       else AssociationPanels.FIGSIZE_NO_IMAGES)
        super().__init__({sweep.parameter: knob, "d": dim}, figsize=figsize)

    def _setup(self, figure) -> None:
        self.panels = AssociationPanels(figure, self.sweep)
        self.animated = self.panels.artists

    def _redraw(self, **state) -> str:
        sw = self.sweep
        i = sw.index(state[sw.parameter])
        j = sw.d_index(state["d"])
        self.panels.show(i, j)
        m = {name: values[i] for name, values in sw.metrics.items()}
        d = int(sw.d_values[j])
        s = sw.singular_values[i]
        error = _fmt(sw.probe_error[i, j])
        notes = []
        if not sw.unique[i, j] and np.isfinite(sw.probe_error[i, j]):
            error += f" &plusmn; {sw.probe_spread[i, j]:.3f}"
            notes.append("s<sub>d</sub> = s<sub>d+1</sub>: probe error is the mean "
                         "&plusmn; spread over random bases of the cluster")
        if np.isfinite(m["tau"]):
            tau, tau_d = f"{m['tau']:.3f}", str(int(m["tau_argmin"]))
        elif np.isinf(m["tau"]):
            tau, tau_d = "&infin;", "n/a"
            notes.append(f"&tau; blows up: s<sub>d+1</sub> = 1 for every d up to "
                         f"d<sub>0</sub> = {int(np.isfinite(sw.spectrum[i]).sum())} "
                         "(strong extreme)")
        else:
            tau, tau_d = "n/a", "n/a"
            notes.append("&tau; undefined: all s<sub>i</sub> = 0 (independent)")
        # numbers only (the status line names the grid point), in columns that fit the
        # book's explorer box (about 750 px) with every header whole
        header = ["components", "s<sub>1</sub>", "s<sub>d</sub>", "probe error",
                  "decay rate", "kernel dev.", "eff. dim.", "&tau;", "d of &tau;"]
        row = [str(int(m["n_components"])), _fmt(s[0]), _fmt(s[d - 1]), error,
               _fmt(m["decay_rate"]), _fmt(m["kernel_deviation"]),
               _fmt(m["effective_dimension"], 1), tau, tau_d]
        widths = [14, 7, 7, 15, 12, 13, 10, 7, 8]
        return readout_html(f"{sw.parameter} = <b>{state[sw.parameter]}</b>, encoder "
                            f"dimension d = <b>{d}</b>", header, [row],
                            note="; ".join(notes), widths=widths)


def association_explorer(sweep: AssociationSweep | None = None, *, value=None, d=None,
                         **sweep_kwargs) -> AssociationExplorer:
    """The association explorer (notebook 05's centrepiece).

    Parameters
    ----------
    sweep : AssociationSweep, optional
        A precomputed sweep (:func:`contexture_lab.explore.association.build_sweep`);
        default: the KNN sweep on digits,
        :func:`~contexture_lab.explore.association.digits_knn_sweep` (cached on disk after
        the first call).
    value, d : optional
        Initial knob value and encoder dimension (on the sweep's grid).
    **sweep_kwargs : dict
        Passed to ``digits_knn_sweep`` when ``sweep`` is None.

    Returns
    -------
    AssociationExplorer
        ``ex.update(k=5, d=16)`` moves the sliders and redraws; display ``ex.widget``;
        ``ex.figure`` is the matplotlib figure.
    """
    if sweep is None:
        sweep = digits_knn_sweep(**sweep_kwargs)
    elif sweep_kwargs:
        raise TypeError(f"unexpected keyword(s) {sorted(sweep_kwargs)} with a given sweep")
    return AssociationExplorer(sweep, value=value, d=d)


__all__ = ["AssociationExplorer", "association_explorer"]
