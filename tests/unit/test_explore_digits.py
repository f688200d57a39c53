"""The digits sweeps behind the explorers are the general sweeps on the digits they name,
and :func:`contexture_lab.explore.mixing.analyse` reports one context's numbers exactly."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab.explore import attention as xa
from contexture_lab.explore import mixing as em


def test_digits_parents_are_knn_contexts_of_the_seeded_subset():
    parents, y = em.digits_parents((3, 30), n=120, random_state=2)
    digits = cl.datasets.load_digits(120, random_state=2)
    assert list(parents) == ["KNN-3", "KNN-30"]
    np.testing.assert_array_equal(y, digits.y)
    for k in (3, 30):
        expected = cl.contexts.knn(digits.X, k)
        got = parents[f"KNN-{k}"]
        assert got.shape == expected.shape
        np.testing.assert_allclose(got.P.toarray(), expected.P.toarray(), atol=1e-15)


def test_digits_mixing_sweep_rows_are_analyse_of_each_context():
    kwargs = dict(weights=(0.5,), depths=(1,), d=8, d_values=(4, 8), n_repeats=2)
    sweep = em.digits_mixing_sweep((3, 30), (("KNN-3", "KNN-30"),), n=120, **kwargs)
    parents, y = em.digits_parents((3, 30), n=120)
    opts = {k: kwargs[k] for k in ("d", "d_values", "n_repeats")}
    pair = ("KNN-3", "KNN-30")
    cases = {sweep.parent_row("KNN-3"): parents["KNN-3"],
             sweep.row(pair, "convex", 0.5): cl.mixing.convex_combination(
                 [parents["KNN-3"], parents["KNN-30"]], [0.5, 0.5]),
             sweep.row(pair, "convolution", 1): cl.mixing.convolve(parents["KNN-3"],
                                                                    parents["KNN-30"])}
    for row, ctx in cases.items():
        ref = em.analyse(ctx, y, **opts)
        np.testing.assert_allclose(sweep.singular_values[row], ref["singular_values"],
                                   atol=1e-10)
        np.testing.assert_allclose(sweep.probe_error[row], ref["probe_error"], atol=1e-12)
        for name in ("sum_s2", "kernel_deviation", "tau", "decay_rate"):
            assert sweep.metrics[name][row] == pytest.approx(ref["metrics"][name],
                                                             rel=1e-9, abs=1e-12)


@pytest.mark.slow
def test_digits_temperature_sweep_is_the_sweep_of_unit_pixel_tokens():
    temps = [0.01, 0.1]
    sweep = xa.digits_temperature_sweep(90, temps, d=4, n_per_class=2, n_bases=2,
                                        device="cpu")
    digits = cl.datasets.load_digits(90, random_state=0)
    ref = xa.temperature_sweep(xa.unit_tokens(digits.X), digits.y, temps, d=4,
                               n_per_class=2, n_bases=2, device="cpu")
    np.testing.assert_allclose(sweep.singular_values, ref.singular_values, atol=1e-12)
    np.testing.assert_allclose(sweep.probe_error, ref.probe_error, atol=1e-12)
    np.testing.assert_array_equal(sweep.labels, np.sort(digits.y, kind="stable"))


def test_analyse_on_the_hypercube_matches_the_closed_form():
    n, eps = 4, 0.1
    ctx = cl.contexts.hypercube(n, eps)
    y = ctx.x_features[:, 0]                       # the first bit: a one-bit function
    out = em.analyse(ctx, y, d=15, d_values=(4, 15), n_per_class=4, n_repeats=2)
    # s_S = (1 - 2 eps)^|S|, |S| = 1..n with multiplicity binom(n, |S|)
    from math import comb

    closed = np.concatenate([np.full(comb(n, k), (1 - 2 * eps) ** k) for k in range(1, n + 1)])
    np.testing.assert_allclose(out["singular_values"], closed, atol=1e-12)
    m = out["metrics"]
    assert m["sum_s2"] == pytest.approx((1 + (1 - 2 * eps) ** 2) ** n - 1, rel=1e-12)
    # (association.kernel_deviation forms its Gram matrix in single precision: 1e-6)
    assert m["kernel_deviation"] == pytest.approx(cl.association.kernel_deviation(ctx),
                                                  rel=1e-6)
    assert m["n_components"] == 1
    assert m["tau"] == pytest.approx(cl.association.tau(closed, d0=15).value, rel=1e-12)
    # d = 4 ends the cluster of the one-bit functions: the span is that of the contexture
    left = out["left"]
    np.testing.assert_allclose(left.T @ (ctx.p_x[:, None] * left), np.eye(15), atol=1e-10)
    exact = cl.contexture(ctx, 4, on_degenerate="ignore").left
    assert cl.alignment.cca_r2(left[:, :4], exact) == pytest.approx(1.0, abs=1e-10)
    expected = cl.probe.probe_error(left[:, :4], y, n_per_class=4, n_repeats=2)
    assert out["probe_error"][0] == pytest.approx(expected, abs=1e-12)
    # the first bit is a one-bit Walsh function: the top-4 span holds it, the error is 0
    assert out["probe_error"][0] == 0.0


def test_sweeps_show_their_progress_unless_asked_not_to(capsys):
    parents, y = em.digits_parents((3, 30), n=60)
    kwargs = dict(weights=(0.5,), depths=(1,), operations=("convex", "convolution"), d=4,
                  d_values=(4,), n_per_class=2, n_repeats=1)
    em.build_sweep(parents, [("KNN-3", "KNN-30")], y, **kwargs)
    assert "mixing sweep" in capsys.readouterr().err
    em.build_sweep(parents, [("KNN-3", "KNN-30")], y, progress=False, **kwargs)
    assert capsys.readouterr().err == ""
    digits = cl.datasets.load_digits(60, random_state=0)
    xa.temperature_sweep(xa.unit_tokens(digits.X), digits.y, [0.1], d=4, n_per_class=2,
                         n_bases=2, device="cpu")
    assert "temperature sweep" in capsys.readouterr().err
