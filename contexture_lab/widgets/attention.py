"""The attention explorer: a temperature slider over a precomputed sweep."""

from __future__ import annotations

import ipywidgets

from ..plotting.attention import (attention_colorbar, draw_attention_matrix, draw_spectrum,
                                  draw_sweep_curves)
from .base import Explorer, html_table


class AttentionExplorer(Explorer):
    """Temperature as an association knob: attention matrix, spectrum, association, probe error.

    Parameters
    ----------
    sweep : contexture_lab.explore.attention.TemperatureSweep
    temperature : float, optional
        Initial temperature (nearest grid value); default the middle of the grid.
    k : int, default=40
        Number of singular values drawn.
    """

    def __init__(self, sweep, temperature=None, *, k: int = 40):
        from ..explore.attention import TemperatureSweep

        if not isinstance(sweep, TemperatureSweep):
            raise TypeError(f"sweep must be a TemperatureSweep, got {type(sweep).__name__}")
        self.sweep = sweep
        self.k = min(k, sweep.singular_values.shape[1])
        temps = sweep.temperatures
        start = temps[len(temps) // 2] if temperature is None else temps[sweep.index(temperature)]
        slider = ipywidgets.SelectionSlider(
            options=[(f"{t:.3g}", float(t)) for t in temps], value=float(start),
            description="temperature", continuous_update=True,
            layout=ipywidgets.Layout(width="420px"),
            style={"description_width": "initial"})
        super().__init__({"temperature": slider}, figsize=(10, 3.3))

    def _setup(self, figure):
        sw = self.sweep
        ax_mat, ax_spec, ax_curve = figure.subplots(
            1, 3, gridspec_kw={"width_ratios": [1, 1.3, 1.5]})
        i = len(sw.temperatures) // 2
        C = sw.attention[i]
        self.image = draw_attention_matrix(ax_mat, C / C.max(), sw.labels, vmax=1.0)
        attention_colorbar(figure, self.image, ax_mat)
        ax_mat.set_title("attention matrix P(a|x)", fontsize=9)
        self.line = draw_spectrum(ax_spec, sw.singular_values[i], self.k)
        ax_spec.set_title("spectrum s_1..s_k", fontsize=9)
        self.marker = draw_sweep_curves(ax_curve, sw, i)
        figure.tight_layout()
        self.animated = [self.image, self.line, self.marker]   # blitted: fixed axis limits

    def _redraw(self, temperature):
        sw = self.sweep
        i = sw.index(temperature)
        C = sw.attention[i]
        self.image.set_data(C / C.max())      # the colourbar reads weight / largest
        self.line.set_ydata(sw.singular_values[i][:self.k])
        self.marker.set_xdata([sw.temperatures[i]] * 2)
        d_tau = int(sw.tau_dimension[i])
        header = ["", "s<sub>1</sub>", "total association &sum;s<sub>i</sub><sup>2</sup>",
                  "effective dimension (participation ratio)", "d picked by tau"]
        row = [f"temperature <b>{sw.temperatures[i]:.3g}</b>",
               f"{sw.singular_values[i][0]:.3f}", f"{sw.total_association[i]:.2f}",
               f"{sw.effective_dimension[i]:.2f}", str(d_tau) if d_tau > 0 else "none"]
        if sw.labels is not None:
            header.append(f"probe error (top {sw.d})")
            row.append(f"{sw.probe_error[i]:.3f}" + (
                f" &plusmn; {sw.probe_spread[i]:.3f} (mean over {sw.n_bases} random bases "
                "of a split cluster)" if sw.split[i] else ""))
        return html_table(header, [row])

def attention_explorer(sweep=None, temperature=None, **kwargs) -> AttentionExplorer:
    """Build the attention explorer (``.update(temperature=...)``, ``.widget``, ``.figure``).

    Parameters
    ----------
    sweep : TemperatureSweep, optional
        Default: :func:`contexture_lab.explore.attention.digits_temperature_sweep`.
    temperature : float, optional
        Initial temperature.
    **kwargs : dict
        Passed to :class:`AttentionExplorer` (e.g. ``k``).

    Returns
    -------
    AttentionExplorer
    """
    if sweep is None:
        from ..explore.attention import digits_temperature_sweep

        sweep = digits_temperature_sweep()
    return AttentionExplorer(sweep, temperature, **kwargs)


__all__ = ["AttentionExplorer", "attention_explorer"]
