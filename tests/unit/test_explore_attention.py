"""Tests of the temperature sweep, its figures and the attention explorer (no browser)."""

import re

import ipywidgets
import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

import contexture_lab as cl
from contexture_lab import attention as at
from contexture_lab.explore import Sweep
from contexture_lab.explore import attention as xa
from contexture_lab.plotting import attention as pa

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    centres = 2.0 * rng.standard_normal((3, 5))
    y = np.repeat([2, 0, 1], 12)
    X = centres[y] + 0.7 * rng.standard_normal((36, 5))
    return X, y


@pytest.fixture(scope="module")
def sweep(data):
    X, y = data
    return xa.temperature_sweep(xa.unit_tokens(X), y, [1.0, 0.003, 0.03, 0.3, 0.01], d=4,
                                n_per_class=3, device="cpu")


def test_unit_tokens_are_centred_directions(data):
    U = xa.unit_tokens(data[0])
    np.testing.assert_allclose(np.linalg.norm(U, axis=1), 1.0)
    with pytest.raises(ValueError, match="equal the mean"):
        xa.unit_tokens(np.array([[1.0, 2.0], [3.0, 4.0], [2.0, 3.0]]))


def test_sweep_arrays_line_up(sweep, data):
    X, y = data
    T = 5
    np.testing.assert_allclose(sweep.temperatures, [0.003, 0.01, 0.03, 0.3, 1.0])
    assert sweep.singular_values.shape == (T, 35)
    assert sweep.attention.shape == (T, 36, 36) and sweep.attention.dtype == np.float32
    assert sweep.probe_error.shape == sweep.effective_dimension.shape == (T,)
    assert sweep.total_association.shape == sweep.probe_spread.shape == sweep.split.shape == (T,)
    np.testing.assert_array_equal(sweep.labels, np.sort(y))
    np.testing.assert_allclose(sweep.attention.sum(axis=2), 1.0, atol=1e-5)
    # the stored matrix is the attention of the label-sorted tokens
    U = xa.unit_tokens(X)[np.argsort(y, kind="stable")]
    ref = at.attention_context(U, U, 0.03).conditional()
    np.testing.assert_allclose(sweep.attention[2], ref, atol=1e-6)


def test_total_association_is_the_chi_square_dependence(sweep, data):
    X, y = data
    U = xa.unit_tokens(X)[np.argsort(y, kind="stable")]
    for i, t in enumerate(sweep.temperatures):
        ctx = at.attention_context(U, U, t)
        indep = np.outer(ctx.p_x, ctx.p_a)
        chi2 = np.sum((ctx.P - indep) ** 2 / indep)
        np.testing.assert_allclose(sweep.total_association[i], chi2, atol=1e-8)
        np.testing.assert_allclose(sweep.total_association[i],
                                   np.sum(ctx.normalized() ** 2) - 1, atol=1e-8)
    assert np.all(np.diff(sweep.total_association) < 0)   # hotter = weaker association
    assert sweep.total_association[0] > 30 and sweep.total_association[-1] < 0.2


def test_effective_dimension_is_the_participation_ratio(sweep):
    s2 = sweep.singular_values ** 2
    np.testing.assert_allclose(sweep.effective_dimension,
                               s2.sum(axis=1) ** 2 / (s2 ** 2).sum(axis=1), rtol=1e-12)
    assert np.all(sweep.effective_dimension <= sweep.singular_values.shape[1] + 1e-9)


def test_flat_spectrum_probe_is_a_mean_over_random_bases():
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(3), 8)
    X = rng.standard_normal((24, 10))
    U = xa.unit_tokens(X)
    # t -> 0: every token attends to itself, s_1 = ... = s_23 = 1
    sw = xa.temperature_sweep(U, y, [1e-4, 1.0], d=4, n_per_class=2, n_bases=6, device="cpu")
    assert sw.split.tolist() == [True, False]
    assert sw.probe_spread[0] > 0 and sw.probe_spread[1] == 0
    with cl.scrambled(3):
        rot = xa.temperature_sweep(U, y, [1e-4, 1.0], d=4, n_per_class=2, n_bases=6,
                                   device="cpu")
    np.testing.assert_array_equal(rot.probe_error, sw.probe_error)
    np.testing.assert_array_equal(rot.probe_spread, sw.probe_spread)
    # a random 4-dimensional subspace of every non-constant function carries little about
    # the labels (here none do): the mean error is near the chance level 2/3
    assert abs(sw.probe_error[0] - 2 / 3) < 0.2


def test_cluster_probe_error_is_basis_free_and_exact_at_a_gap():
    rng = np.random.default_rng(2)
    n = 30
    y = np.repeat(np.arange(3), 10)
    # a label context with 3 classes: s_1 = s_2 = 1, then 0, so d = 2 ends at a gap
    res = cl.contexture(cl.contexts.label(y), 2)
    mean, spread, split = xa.cluster_probe_error(res, y, 2)
    assert not split and spread == 0.0
    assert mean == cl.probe.probe_error(res.left, y)
    # a tied cluster given by hand (s_3..s_8 = 0.5, cut at d = 4): rotating its basis
    # changes nothing
    from contexture_lab.spectrum import Contexture
    p = np.full(n, 1.0 / n)
    F = np.linalg.qr(np.c_[np.ones(n), rng.standard_normal((n, 8))])[0][:, 1:] * np.sqrt(n)
    vals = np.r_[0.9, 0.7, np.full(6, 0.5)]
    R = np.linalg.qr(rng.standard_normal((6, 6)))[0]
    G = F.copy()
    G[:, 2:] = F[:, 2:] @ R
    def make(L):
        return Contexture(singular_values=vals, left=L, right=L, p_x=p, p_a=p, method="dense")

    a = xa.cluster_probe_error(make(F), y, 4, n_bases=5, n_per_class=2)
    b = xa.cluster_probe_error(make(G), y, 4, n_bases=5, n_per_class=2)
    assert a[2] and b[2]
    np.testing.assert_allclose(a[:2], b[:2], atol=1e-12)
    with pytest.raises(ValueError, match="n_bases"):
        xa.cluster_probe_error(make(F), y, 4, n_bases=1)


def test_index_finds_grid_temperatures_only(sweep):
    # the one lookup rule of the explore layer (explore._grid.grid_index): a real grid
    # point to three significant digits; off the grid is an error that lists the grid
    assert isinstance(sweep, Sweep)
    assert sweep.values is sweep.temperatures and sweep.parameter == "temperature"
    assert sweep.index(0.003) == 0 and sweep.index(0.03) == 2
    assert sweep.index(0.0300001) == 2
    for off in (0.02, 50.0, 0.0):
        with pytest.raises(ValueError, match=r"temperature=.* is not on the sweep's grid"):
            sweep.index(off)
    assert sweep.d_values.tolist() == [sweep.d] and sweep.d_index(sweep.d) == 0
    with pytest.raises(ValueError, match="d_values"):
        sweep.d_index(sweep.d + 1)


def test_sweep_rejects_bad_input(data):
    X, y = data
    with pytest.raises(ValueError, match="one per token"):
        xa.temperature_sweep(X, y[:-1])
    with pytest.raises(ValueError, match="positive"):
        xa.temperature_sweep(X, y, [0.1, -1.0], d=3, n_per_class=3)


def test_explorer_update_indexes_into_the_sweep(sweep):
    ex = cl.widgets.attention_explorer(sweep, temperature=0.01)
    assert isinstance(ex.figure, Figure)
    assert isinstance(ex.widget, ipywidgets.VBox)
    ex.update(temperature=0.3)
    # drawn relative to its largest weight (the colourbar reads "weight / largest weight")
    np.testing.assert_array_equal(ex.image.get_array(),
                                  sweep.attention[3] / sweep.attention[3].max())
    np.testing.assert_allclose(ex.line.get_ydata(), sweep.singular_values[3][:ex.k])
    np.testing.assert_allclose(ex.marker.get_xdata(), [0.3, 0.3])
    assert f"{sweep.probe_error[3]:.3f}" in ex.readout.value
    assert f"{sweep.effective_dimension[3]:.2f}" in ex.readout.value
    for i in (3, -1):     # the hottest temperature's total association is below 0.2
        ex.update(temperature=float(sweep.temperatures[i]))
        cells = re.findall(r"<td[^>]*>(.*?)</td>", ex.readout.value)
        # at least two significant figures, never a 0.00 for a weak association
        np.testing.assert_allclose(float(cells[1]), sweep.total_association[i], rtol=0.05)
    ex.update(temperature=0.3)
    # every column has a header, and the table fits the book's explorer box (about 750 px,
    # some 94 digit widths at its font): no column is cut off the right edge
    heads = re.findall(r"<th[^>]*>(.*?)</th>", ex.readout.value)
    assert heads and all(h.strip() for h in heads)
    assert int(re.findall(r"table-layout:fixed;width:(\d+)ch", ex.readout.value)[0]) <= 90
    ex.controls["temperature"].value = float(sweep.temperatures[0])   # a slider step
    np.testing.assert_allclose(ex.line.get_ydata(), sweep.singular_values[0][:ex.k])
    with pytest.raises(ValueError, match="unknown control"):
        ex.update(bandwidth=1.0)
    with pytest.raises(ValueError, match="is not a value of the"):
        ex.update(temperature=0.123)      # off the precomputed grid


@pytest.mark.slow
def test_static_figures_draw_the_sweep(sweep):
    fig = pa.temperature_panels(sweep, [0.003, 0.3])
    assert len(fig.axes) == 4                    # two matrices, the spectra, a colourbar
    i, j = sweep.index(0.003), sweep.index(0.3)
    for ax, k in zip(fig.axes, (i, j)):
        np.testing.assert_array_equal(ax.images[0].get_array(),
                                      sweep.attention[k] / sweep.attention[k].max())
    spectra = fig.axes[2].lines
    np.testing.assert_array_equal(spectra[0].get_ydata(), sweep.singular_values[i][:40])
    np.testing.assert_array_equal(spectra[1].get_ydata(), sweep.singular_values[j][:40])
    fig = pa.sweep_summary(sweep)
    assert len(fig.axes) == 2
    total, dims, errors = fig.axes[0].lines[0], fig.axes[0].lines[1], fig.axes[1].lines[0]
    np.testing.assert_array_equal(total.get_xdata(), sweep.temperatures)
    np.testing.assert_array_equal(total.get_ydata(), np.maximum(sweep.total_association, 1e-3))
    np.testing.assert_array_equal(dims.get_ydata(), sweep.effective_dimension)
    np.testing.assert_array_equal(errors.get_ydata(), sweep.probe_error)
    assert len(fig.axes[0].lines) == 2           # the temperature marker is removed
    fig = pa.training_figure([1.0, 0.5], np.zeros(5), np.ones(5))
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), [1.0, 0.5])
    assert [ln.get_ydata().tolist() for ln in fig.axes[1].lines] == [[0.0] * 5, [1.0] * 5]
    fig = pa.cross_attention_figure(np.array([0.1, 0.2, 0.3, 0.4]), [0, 1, 0, 1])
    bars = fig.axes[0].patches
    assert [round(b.get_height(), 12) for b in bars] == [0.1, 0.2, 0.3, 0.4]
    assert bars[0].get_facecolor() == bars[2].get_facecolor() != bars[1].get_facecolor()
    W = cl.datasets.ring_graph(8)
    res = cl.in_context.graph_learning(W, [10, 100], d=2)
    assert len(pa.graph_learning_figure(res, W, [0, 1]).axes) == 4   # and a colourbar
    assert len(pa.depth_figure([np.ones(3), np.full(3, 0.5)], np.array([1, 0.5, 0.2]),
                               {"bound": np.array([1, 0.6, 0.3])}).axes) == 2
    matplotlib.pyplot.close("all")


@pytest.mark.slow
def test_explorer_blits_the_same_picture_as_a_full_draw(sweep):
    ex = cl.widgets.attention_explorer(sweep)
    ex.canvas.draw()                       # full draw: saves the static background
    assert ex.blits
    ex.update(temperature=float(sweep.temperatures[-1]))
    blitted = np.asarray(ex.canvas.get_renderer().buffer_rgba()).copy()
    ex.canvas.draw()
    np.testing.assert_array_equal(blitted, np.asarray(ex.canvas.get_renderer().buffer_rgba()))
