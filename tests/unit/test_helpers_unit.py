"""Unit tests of helpers that only the notebooks exercised: alignment.recovery and
centre_whiten, plotting.core, explore.mixing.analyse."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import alignment as A


@pytest.fixture(scope="module")
def cube():
    # an RBF context on random points: distinct singular values, no ties between neighbours
    ctx = cl.contexts.rbf(np.random.default_rng(2).standard_normal((40, 2)), 0.6)
    res = cl.contexture(ctx, 4)
    assert res.unique
    return ctx, res


# ---------------------------------------------------------------------- alignment helpers
def test_centre_whiten_gives_an_orthonormal_basis_of_the_centred_span():
    rng = np.random.default_rng(0)
    F = rng.standard_normal((40, 3)) @ rng.standard_normal((3, 5)) + 7.0    # rank 3 of 5
    W = A.centre_whiten(F)
    assert W.shape == (40, 3)
    np.testing.assert_allclose(W.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(W.T @ W / 40, np.eye(3), atol=1e-12)
    # the same span as the centred features: projecting them onto W loses nothing
    Fc = F - F.mean(axis=0)
    proj = W @ np.linalg.lstsq(W, Fc, rcond=None)[0]
    np.testing.assert_allclose(proj, Fc, atol=1e-10)


def test_recovery_of_the_same_span_in_another_basis_is_perfect(cube):
    ctx, res = cube
    M = np.random.default_rng(1).standard_normal((4, 4))
    got = A.recovery(res.left @ M + 3.0, res, k=5)
    assert set(got) == {"cca_r2", "mutual_knn"}
    assert got["cca_r2"] == pytest.approx(1.0, abs=1e-12)
    assert got["mutual_knn"] == pytest.approx(1.0, abs=1e-12)
    # the result may also be given as the array of left functions
    assert A.recovery(res.left @ M, res.left, k=5) == pytest.approx(got)


def test_recovery_of_a_partial_span(cube):
    ctx, res = cube
    # two of the four functions, plus two directions outside the top-4 span
    outside = cl.contexture(ctx, 10).left[:, 4:6]
    F = np.c_[res.left[:, :2], outside]
    got = A.recovery(F, res, k=5)
    assert got["cca_r2"] == pytest.approx(0.5, abs=1e-12)    # two of four correlations 1
    a, b = A.knn_indices(A.centre_whiten(F), 5), A.knn_indices(A.centre_whiten(res.left), 5)
    expected = np.mean([len(set(x) & set(y)) for x, y in zip(a, b)]) / 5
    assert got["mutual_knn"] == pytest.approx(expected, abs=1e-12)
    assert got["mutual_knn"] < 1


# ---------------------------------------------------------------------- plotting.core
def test_spectrum_plot_draws_the_values_and_s0():
    from contexture_lab.plotting import core

    s = np.array([0.9, 0.5, 0.25])
    fig, ax = plt.subplots()
    line = core.spectrum(s, ax=ax, label="cube", log=True)
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(line.get_ydata(), s)
    star = ax.lines[1]
    assert list(star.get_xdata()) == [0] and list(star.get_ydata()) == [1.0]
    assert ax.get_yscale() == "log" and line.get_label() == "cube"
    ax2 = core.spectrum_comparison({"a": s, "b": s ** 2}, title="two")
    assert [ln.get_label() for ln in ax2.lines] == ["a", "b"]      # no s_0 marker here
    np.testing.assert_array_equal(ax2.lines[1].get_ydata(), s ** 2)
    assert ax2.get_title() == "two"
    plt.close("all")


# ---------------------------------------------------------------------- explore.mixing.analyse
def test_analyse_on_the_hypercube_against_closed_forms():
    ctx = cl.contexts.hypercube(3, 0.1)       # s = 0.8 (x3), 0.64 (x3), 0.512 (x1)
    y = (np.arange(8) >> 2) & 1               # the top bit: in the span of the degree-1 functions
    row = cl.explore.mixing.analyse(ctx, y, d=3, d_values=(1, 3), n_per_class=2,
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
