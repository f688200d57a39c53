"""The attention explorer: a temperature slider over a precomputed sweep."""

from __future__ import annotations

import ipywidgets

from ..plotting.attention import (
    attention_colorbar,
    draw_attention_matrix,
    draw_spectrum,
    draw_sweep_curves,
)
from .base import Explorer, readout_html


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
        super().__init__({"temperature": slider}, figsize=self.FIGSIZE)

    #: Figure size (inches at 100 dpi): the matrix and the spectrum side by side (each over
    #: 250 px), the sweep's curves below them.
    FIGSIZE = (9.0, 7.4)

    def _setup(self, figure):
        sw = self.sweep
        grid = figure.add_gridspec(2, 2, height_ratios=[1.25, 1], hspace=0.5, wspace=0.3,
                                   left=0.09, right=0.9, top=0.95, bottom=0.07)
        ax_mat = figure.add_subplot(grid[0, 0])
        ax_spec = figure.add_subplot(grid[0, 1])
        ax_curve = figure.add_subplot(grid[1, :])
        i = len(sw.temperatures) // 2
        C = sw.attention[i]
        self.image = draw_attention_matrix(ax_mat, C / C.max(), sw.labels, vmax=1.0)
        attention_colorbar(figure, self.image, ax_mat)
        ax_mat.set_title("attention matrix P(a|x)", fontsize=10)
        self.line = draw_spectrum(ax_spec, sw.singular_values[i], self.k)
        ax_spec.set_title("spectrum $s_1 .. s_k$", fontsize=10)
        self.marker = draw_sweep_curves(ax_curve, sw, i)
        self.animated = [self.image, self.line, self.marker]   # blitted: fixed axis limits

    def _redraw(self, temperature):
        sw = self.sweep
        i = sw.index(temperature)
        C = sw.attention[i]
        self.image.set_data(C / C.max())      # the colourbar reads weight / largest
        self.line.set_ydata(sw.singular_values[i][:self.k])
        self.marker.set_xdata([sw.temperatures[i]] * 2)
        d_tau = int(sw.tau_dimension[i])
        # numbers only (the status line names the temperature), in columns that fit the
        # book's explorer box (about 750 px) with every header whole
        header = ["s<sub>1</sub>", "&sum; s<sub>i</sub><sup>2</sup>",
                  "eff. dim. (participation ratio)", "d picked by &tau;"]
        row = [f"{sw.singular_values[i][0]:.3f}", _two_figures(sw.total_association[i]),
               f"{sw.effective_dimension[i]:.2f}", str(d_tau) if d_tau > 0 else "none"]
        widths = [8, 9, 30, 16]
        note = ""
        if sw.labels is not None:
            header.append(f"probe error (top {sw.d})")
            row.append(f"{sw.probe_error[i]:.3f}" + (
                f" &plusmn; {sw.probe_spread[i]:.3f}" if sw.split[i] else ""))
            widths.append(22)
            if sw.split[i]:
                note = (f"probe error: mean &plusmn; spread over {sw.n_bases} random bases "
                        "of a split cluster (d cuts a cluster of equal singular values)")
        return readout_html(f"temperature = <b>{sw.temperatures[i]:.3g}</b>", header, [row],
                            note=note, widths=widths)


def _two_figures(x: float) -> str:
    """``x`` with two decimals, or two significant figures below 1 (a hot head's total
    association is a few thousandths, which two decimals print as 0.00)."""
    return f"{x:.2f}" if abs(x) >= 1 else f"{x:.2g}"


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
