"""The precomputed mixing sweep, its figures and the mixing explorer (without a browser)."""

import dataclasses

import ipywidgets
import matplotlib
import numpy as np
import pytest
import scipy.stats

import contexture_lab as cl
from contexture_lab import mixing
from contexture_lab.explore import mixing as em
from contexture_lab.widgets.mixing import MixingExplorer, mixing_explorer

PAIRS = (("KNN-3", "KNN-60"), ("KNN-3", "KNN-15"))
WEIGHTS = (0.25, 0.5, 0.75)


@pytest.fixture(scope="module")
def parents():
    return em.digits_parents((3, 15, 60), n=200)


@pytest.fixture(scope="module")
def sweep(parents):
    ctxs, y = parents
    return em.build_sweep(ctxs, PAIRS, y, weights=WEIGHTS, depths=(1, 2), d=12,
                          d_values=(4, 12))


def _frobenius_sum_s2(ctx):
    """||Q||_F^2 - 1 = sum_{i>=1} s_i^2, without any eigen-decomposition."""
    Q = ctx.normalized()
    return float(Q.multiply(Q).sum() if ctx.is_sparse else np.sum(Q ** 2)) - 1.0


def test_a_probe_dimension_inside_a_cluster_warns():
    # hypercube {0,1}^4: s = 1 - 2 flip four times (order 1); d = 2 cuts it, d = 4 ends it
    ctx = cl.contexts.hypercube(4, 0.1)
    y = ctx.x_features[:, 0]
    with pytest.warns(cl.DegenerateSpanWarning, match="probe dimension 2: s_2 = s_3"):
        em.analyse(ctx, y, d=10, d_values=(2, 4), n_per_class=4, n_repeats=1)
    row = em.analyse(ctx, y, d=10, d_values=(4,), n_per_class=4, n_repeats=1)
    # the task (the first bit) lies in the order-1 span: the probe on d = 4 is exact
    assert row["probe_error"][0] == pytest.approx(0.0)

@pytest.mark.slow
def test_rows_match_direct_computation(sweep, parents):
    ctxs, y = parents
    mix = mixing.convex_combination([ctxs["KNN-3"], ctxs["KNN-60"]], [0.5, 0.5])
    i = sweep.row(("KNN-3", "KNN-60"), "convex", 0.5)
    ref = cl.contexture(mix, 12, method="dense")
    np.testing.assert_allclose(sweep.singular_values[i], ref.singular_values, atol=1e-10)
    assert sweep.metrics["sum_s2"][i] == pytest.approx(_frobenius_sum_s2(mix), rel=1e-10)
    assert sweep.metrics["kernel_deviation"][i] == pytest.approx(
        cl.association.kernel_deviation(mix), abs=1e-6)   # float32 blocks there
    assert sweep.metrics["n_components"][i] == cl.association.n_components(mix)
    assert sweep.metrics["tau"][i] == pytest.approx(
        cl.association.tau(ref.singular_values, d0=12).value)
    j = sweep.d_index(4)
    draws = cl.probe.probe_errors(ref.left[:, :4], y, n_repeats=em.N_DRAWS)
    assert sweep.probe_error[i, j] == pytest.approx(draws.mean(), abs=1e-12)
    np.testing.assert_allclose(sweep.probe_draws[i, j], draws, atol=1e-12)
    assert sweep.n_contexts[i] == 400


def test_parent_rows_and_concatenation(sweep, parents):
    ctxs, _ = parents
    for name in ("KNN-3", "KNN-15", "KNN-60"):
        i = sweep.parent_row(name)
        assert sweep.metrics["sum_s2"][i] == pytest.approx(_frobenius_sum_s2(ctxs[name]))
    cat = mixing.concatenate(ctxs["KNN-3"], ctxs["KNN-15"])
    i = sweep.row("KNN-3 & KNN-15", "concatenation")
    assert sweep.metrics["sum_s2"][i] == pytest.approx(_frobenius_sum_s2(cat), rel=1e-10)
    assert sweep.n_contexts[i] == cat.n_contexts


def test_operations_move_association_as_the_theory_says(sweep):
    s2 = sweep.metrics["sum_s2"]
    for first, second in PAIRS:
        a, b = s2[sweep.parent_row(first)], s2[sweep.parent_row(second)]
        convex = s2[sweep.grid_rows((first, second), "convex")]
        np.testing.assert_allclose(convex, np.array(WEIGHTS) * a + (1 - np.array(WEIGHTS)) * b,
                                   rtol=1e-9)
        conv = s2[sweep.grid_rows((first, second), "convolution")]
        assert conv[0] < a and conv[1] < conv[0]          # deeper convolution, weaker
        assert s2[sweep.row((first, second), "concatenation")] >= max(a, b)
        i, p = sweep.row((first, second), "convolution", 1), sweep.parent_row(first)
        assert np.all(sweep.singular_values[i] <= sweep.singular_values[p] + 1e-10)


def test_mixtures_beating_parents_are_checked_against_the_table(sweep):
    found = sweep.mixtures_beating_parents()
    margins = [r["margin"] for r in found]
    assert margins == sorted(margins, reverse=True)
    for r in found:
        first, second = sweep.keys[r["row"]][0].split(" & ")
        j = sweep.d_index(r["d"])
        parents = [sweep.probe_error[sweep.parent_row(p), j] for p in (first, second)]
        assert r["error"] == sweep.probe_error[r["row"], j] < min(parents)
    # every mixture below both parents at d = 4 is listed
    j = sweep.d_index(4)
    listed = {r["row"] for r in sweep.mixtures_beating_parents(d=4)}
    for i, key in enumerate(sweep.keys):
        if key[0] != "parent":
            first, second = key[0].split(" & ")
            best = min(sweep.probe_error[sweep.parent_row(first), j],
                       sweep.probe_error[sweep.parent_row(second), j])
            assert (i in listed) == (sweep.probe_error[i, j] < best)


def test_paths_and_labels(sweep):
    pair = ("KNN-3", "KNN-60")
    path = sweep.path(pair, "convex")
    assert path[0] == sweep.parent_row("KNN-60") and path[-1] == sweep.parent_row("KNN-3")
    assert path[1:-1] == [sweep.row(pair, "convex", w) for w in WEIGHTS]
    assert sweep.path(pair, "convolution")[0] == sweep.parent_row("KNN-3")
    assert sweep.label(sweep.row(pair, "convolution", 2)) == \
        "KNN-3 & KNN-60: convolution, depth 2"


def test_sweep_errors(sweep, parents):
    ctxs, y = parents
    with pytest.raises(ValueError, match=r"weight=0.3 is not on the sweep's weights"):
        sweep.row(("KNN-3", "KNN-60"), "convex", 0.3)
    with pytest.raises(ValueError, match="no pair"):
        sweep.row(("KNN-60", "KNN-3"), "convex", 0.5)
    with pytest.raises(ValueError, match="unknown operation"):
        sweep.row(("KNN-3", "KNN-60"), "blend", 0.5)
    with pytest.raises(ValueError, match="unknown parent"):
        sweep.parent_row("KNN-7")
    with pytest.raises(ValueError, match="must name two parents"):
        em.build_sweep(ctxs, [("KNN-3", "KNN-7")], y)
    with pytest.raises(ValueError, match="unknown operation"):
        em.build_sweep(ctxs, PAIRS, y, operations=("blend",))
    with pytest.raises(TypeError, match="dict of at least two"):
        em.build_sweep([ctxs["KNN-3"]], PAIRS, y)
    with pytest.raises(ValueError, match="weight must be <= 1"):
        em.build_sweep(ctxs, PAIRS, y, weights=(1.5,))


# ---------------------------------------------------------------------- figures
def test_static_figures(sweep):
    matplotlib.use("agg")
    fig = cl.plotting.mixing.sweep_overview(sweep, ("KNN-3", "KNN-60"), d=4)
    assert len(fig.axes) == 3
    # the error panel: the convex line holds the sweep's errors along the weights
    line = fig.axes[2].lines[0]
    rows = sweep.grid_rows(("KNN-3", "KNN-60"), "convex")
    np.testing.assert_array_equal(line.get_ydata(), sweep.probe_error[rows, 0])
    ax = cl.plotting.mixing.strength_plane(sweep)
    assert len(ax.lines) == len(PAIRS) * 3 + len(sweep.parents)


# ---------------------------------------------------------------------- explorer
@pytest.fixture
def ex(sweep):
    return mixing_explorer(sweep, pair="KNN-3 & KNN-60", operation="convex", weight=0.5, d=12)


def test_contract(ex):
    assert isinstance(ex, MixingExplorer)
    assert isinstance(ex.widget, ipywidgets.VBox)
    assert isinstance(ex.figure, matplotlib.figure.Figure)
    assert set(ex.controls) == {"pair", "operation", "weight", "depth", "d"}
    assert ex.state == {"pair": "KNN-3 & KNN-60", "operation": "convex", "weight": 0.5,
                        "depth": 2, "d": 12}


def test_update_moves_every_panel(ex, sweep):
    ex.update(pair="KNN-3 & KNN-15", operation="convolution", depth=2, d=4)
    pair = ("KNN-3", "KNN-15")
    i = sweep.row(pair, "convolution", 2)
    rows = (sweep.parent_row("KNN-3"), sweep.parent_row("KNN-15"), i)
    p = ex.panels
    for k, r in enumerate(rows):
        np.testing.assert_array_equal(p.spectra[k].get_ydata(), sweep.singular_values[r])
        np.testing.assert_array_equal(p.errors[k].get_ydata(), sweep.probe_error[r])
        x, y = p.points[k].get_data()
        assert list(x) == [sweep.metrics["sum_s2"][r]]
        assert list(y) == [sweep.metrics["kernel_deviation"][r]]
    np.testing.assert_array_equal(p.path.get_xdata(),
                                  sweep.metrics["sum_s2"][sweep.path(pair, "convolution")])
    assert list(p.d_marker.get_xdata()) == [4, 4]
    assert ex.controls["weight"].disabled and not ex.controls["depth"].disabled
    assert "convolution, depth 2" in ex.readout.value
    assert f"<b>{sweep.probe_error[i, 0]:.3f}</b>" in ex.readout.value


def test_widget_step_triggers_one_redraw(ex, sweep):
    ex.controls["weight"].value = 0.75     # what a slider step in the browser does
    i = sweep.row(("KNN-3", "KNN-60"), "convex", 0.75)
    np.testing.assert_array_equal(ex.panels.spectra[2].get_ydata(), sweep.singular_values[i])
    assert not ex.controls["weight"].disabled and ex.controls["depth"].disabled
    ex.update(operation="concatenation")
    assert ex.controls["weight"].disabled and ex.controls["depth"].disabled
    assert "concatenation" in ex.readout.value


def test_explorer_errors(ex, sweep):
    with pytest.raises(ValueError, match="unknown control"):
        ex.update(strength=3)
    with pytest.raises(ValueError, match="is not a value of the"):
        ex.update(weight=0.3)                   # off the grid
    with pytest.raises(TypeError, match="MixingSweep"):
        MixingExplorer({"not": "a sweep"})
    with pytest.raises(TypeError, match="unexpected keyword"):
        mixing_explorer(sweep, ks=(3, 30))


def test_analyse_on_the_hypercube_against_closed_forms():
    ctx = cl.contexts.hypercube(3, 0.1)       # s = 0.8 (x3), 0.64 (x3), 0.512 (x1)
    y = (np.arange(8) >> 2) & 1               # the top bit: in the span of the degree-1 functions
    # three labelled inputs per class pin the top bit's direction in every draw (with two, a
    # draw can leave it open: the probe then scores both classes equally on some inputs)
    row = cl.explore.mixing.analyse(ctx, y, d=3, d_values=(1, 3), n_per_class=3,
                                    n_repeats=2)
    np.testing.assert_allclose(row["singular_values"], [0.8] * 3, atol=1e-12)
    # sum of every s_i^2 (i >= 1): prod over bits of (1 + 0.8^2) - 1
    assert row["metrics"]["sum_s2"] == pytest.approx(1.64 ** 3 - 1, abs=1e-12)
    assert row["metrics"]["n_components"] == 1
    assert row["metrics"]["effective_dimension"] == pytest.approx(3.0, abs=1e-12)
    left = row["left"]
    np.testing.assert_allclose(left.T @ (left * ctx.p_x[:, None]), np.eye(3), atol=1e-12)
    np.testing.assert_allclose(row["gram"], cl.mixing.normalized_gram(ctx), atol=1e-15)
    assert row["probe_error"].shape == (2,)
    # with all three bit functions a linear probe reads the top bit exactly
    assert row["probe_error"][1] == pytest.approx(0.0, abs=1e-12)
    matplotlib.pyplot.close("all")


def test_compare_with_parents_pairs_the_draws(sweep):
    j = sweep.d_index(4)
    found = sweep.compare_with_parents(4)
    assert len(found) == len(sweep.keys) - len(sweep.parents)
    for r in found:
        first, second = sweep.keys[r["row"]][0].split(" & ")
        for parent, c in zip((first, second), r["versus"]):
            diff = sweep.probe_draws[sweep.parent_row(parent), j] - sweep.probe_draws[r["row"], j]
            # independent arithmetic: mean and t interval of the per-draw differences
            half = (scipy.stats.t.ppf(0.975, diff.size - 1) * diff.std(ddof=1)
                    / np.sqrt(diff.size))
            assert c.difference.mean == pytest.approx(diff.mean(), abs=1e-12)
            assert c.difference.low == pytest.approx(diff.mean() - half, abs=1e-12)
            assert c.wins == int(np.sum(diff > cl.evidence.TIE_RTOL))   # errors in [0, 1]
        assert r["beats_both"] == all(c.difference.low > 0 for c in r["versus"])
        assert r["below_both"] == (r["error"] < min(r["parent_errors"]))
    # a mixture whose draws beat both parents has a mean below both
    assert all(r["below_both"] for r in found if r["beats_both"])
    bare = dataclasses.replace(sweep, probe_draws=None)
    with pytest.raises(ValueError, match="probe_draws is None"):
        bare.compare_with_parents(4)
