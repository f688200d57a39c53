"""The digits sweep shipped with the package equals its recomputation and is used only
where it may be: a plain run with the shipped inputs, never under the scramble switch."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab.explore import association as ea

#: Knob values recomputed here: a shattered graph (k = 1: a 1,102-dimensional cluster of
#: s = 1 with its seeded bases), a few pieces, the useful band and the weak extreme.
CHECKED = (1, 3, 8, 1000)


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """An empty disk cache and memory cache, no scramble."""
    monkeypatch.setenv("CONTEXTURE_LAB_CACHE", str(tmp_path))
    monkeypatch.delenv(cl.degeneracy.SCRAMBLE_ENV, raising=False)
    ea._MEMORY.clear()
    yield tmp_path
    ea._MEMORY.clear()


def test_the_shipped_sweep_is_read_on_a_first_open(fresh, monkeypatch):
    assert sorted(p.name for p in ea.SHIPPED_DIR.glob("association-*.npz"))
    monkeypatch.setattr(ea, "_functions", lambda *a, **k: pytest.fail("recomputed"))
    sweep = ea.digits_knn_sweep()
    assert sweep.values.tolist() == list(ea.DIGITS_KS)
    assert sweep.left.dtype == np.float64 and sweep.left.shape == (15, 1797, 32)


@pytest.mark.slow
def test_the_shipped_sweep_equals_a_recomputation(fresh):
    shipped = ea.digits_knn_sweep()
    digits = cl.datasets.load_digits()
    again = ea.build_sweep("knn", CHECKED, X=digits.X, y=digits.y, image_features=digits.X,
                           image_shape=(8, 8), cache=False)
    rows = [shipped.index(k) for k in CHECKED]
    for name in ("spectrum", "singular_values", "probe_error", "probe_spread", "images"):
        np.testing.assert_allclose(getattr(shipped, name)[rows], getattr(again, name),
                                   rtol=1e-6, atol=1e-6, err_msg=name)
    for name in ("unique", "in_cluster"):
        np.testing.assert_array_equal(getattr(shipped, name)[rows], getattr(again, name))
    np.testing.assert_allclose(shipped.p_x[rows], again.p_x, rtol=1e-12)
    # stored in single precision: equal to about 1e-7 of each function's scale
    np.testing.assert_allclose(shipped.left[rows], again.left, rtol=0, atol=2e-6)
    for name, values in again.metrics.items():
        np.testing.assert_allclose(shipped.metrics[name][rows], values, rtol=1e-6,
                                   err_msg=name)
    np.testing.assert_array_equal(shipped.labels, digits.y)


def test_the_scrambled_run_and_other_inputs_recompute(fresh, monkeypatch):
    names = [p.name for p in ea.SHIPPED_DIR.glob("association-*.npz")]
    monkeypatch.setenv(cl.degeneracy.SCRAMBLE_ENV, "1")
    assert all(ea._shipped(name) is None for name in names)
    monkeypatch.delenv(cl.degeneracy.SCRAMBLE_ENV)
    assert all(ea._shipped(name) is not None for name in names)
    # the name follows every input: another probe seed or d is not the shipped sweep
    digits = cl.datasets.load_digits()
    base = ("knn", list(ea.DIGITS_KS), digits.y)
    assert ea._shipped_name(*base, 32) != ea._shipped_name(*base, 16)


# ---------------------------------------------------------------------- mixing (notebook 06)
from contexture_lab.explore import mixing as em  # noqa: E402


def test_the_shipped_mixing_sweep_is_read_on_a_first_open(fresh, monkeypatch):
    assert sorted(p.name for p in em.SHIPPED_DIR.glob("mixing-*.npz"))
    monkeypatch.setattr(em, "build_sweep", lambda *a, **k: pytest.fail("recomputed"))
    sweep = em.digits_mixing_sweep()
    assert sweep.parents == ("KNN-3", "KNN-30", "KNN-300")
    assert sweep.pairs == em.DIGITS_PAIRS
    assert sweep.probe_error.shape == (len(sweep.keys), sweep.d_values.size)
    # the explorer opens on it without computing anything
    ex = cl.widgets.mixing_explorer()
    assert ex.sweep.keys == sweep.keys


def test_the_shipped_mixing_sweep_equals_a_recomputation(fresh):
    shipped = em.digits_mixing_sweep()
    parents, y = em.digits_parents()
    pair = em.DIGITS_PAIRS[0]
    again = em.build_sweep(parents, [pair], y, weights=(0.5,), depths=(2,),
                           operations=("convex", "convolution"), progress=False)
    for row, key in enumerate(again.keys):
        if key[0] == "parent":
            mine = shipped.parent_row(key[1])
        else:
            mine = shipped.row(pair, key[1], key[2])
        np.testing.assert_allclose(shipped.singular_values[mine], again.singular_values[row],
                                   rtol=1e-9, atol=1e-12, err_msg=str(key))
        np.testing.assert_allclose(shipped.probe_error[mine], again.probe_error[row],
                                   rtol=1e-9, atol=1e-12, err_msg=str(key))
        for name, values in again.metrics.items():
            np.testing.assert_allclose(shipped.metrics[name][mine], values[row], rtol=1e-9,
                                       atol=1e-12, err_msg=f"{key} {name}")
        assert shipped.n_contexts[mine] == again.n_contexts[row]


def test_other_inputs_and_the_scrambled_run_recompute_the_mixing_sweep(fresh, monkeypatch):
    calls = []
    monkeypatch.setattr(em, "build_sweep", lambda *a, **k: calls.append(k) or "computed")
    monkeypatch.setattr(em, "digits_parents", lambda *a, **k: ({}, None))
    assert em.digits_mixing_sweep(d_values=(4, 8)) == "computed"       # another grid
    monkeypatch.setenv(cl.degeneracy.SCRAMBLE_ENV, "1")
    assert em.digits_mixing_sweep() == "computed"                      # never shipped
    assert len(calls) == 2
    assert em._shipped_name(em.DIGITS_KS, em.DIGITS_PAIRS, em.DIGITS_N, {}) != \
        em._shipped_name(em.DIGITS_KS, em.DIGITS_PAIRS, 500, {})
