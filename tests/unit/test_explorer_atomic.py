"""An explorer update is all or nothing: on error, controls, figure and readout stay put."""

import ipywidgets
import numpy as np
import pytest
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.text import Text

import contexture_lab as cl
from contexture_lab.explore import association as ea
from contexture_lab.explore import attention as xa
from contexture_lab.explore import mixing as em
from contexture_lab.widgets.base import Explorer


def _snapshot(ex):
    """Everything the explorer shows: control values, readout, every artist's data."""
    arts = []
    for artist in ex.figure.findobj(lambda a: isinstance(a, (Line2D, AxesImage, Text))):
        if isinstance(artist, Line2D):
            arts.append(np.asarray(artist.get_xydata(), dtype=float).copy())
        elif isinstance(artist, AxesImage):
            arts.append(np.asarray(artist.get_array(), dtype=float).copy())
            arts.append(np.asarray(artist.get_clim(), dtype=float))
        else:
            arts.append(artist.get_text())
    disabled = {name: getattr(w, "disabled", None) for name, w in ex.controls.items()}
    return ex.state, disabled, ex.readout.value, arts


def _assert_same(a, b):
    assert a[0] == b[0] and a[1] == b[1] and a[2] == b[2]
    assert len(a[3]) == len(b[3])
    for x, y in zip(a[3], b[3]):
        if isinstance(x, str):
            assert x == y
        else:
            np.testing.assert_array_equal(x, y)


@pytest.fixture(scope="module")
def association_ex():
    digits = cl.datasets.load_digits(150, random_state=0)
    sweep = ea.build_sweep("knn", [2, 5, 20], X=digits.X, y=digits.y, d=8,
                           d_values=(2, 4, 8), image_features=digits.X, image_shape=(8, 8),
                           n_images=2, n_per_class=3, n_repeats=2, cache=False)
    return cl.widgets.association_explorer(sweep)


@pytest.fixture(scope="module")
def mixing_ex():
    ctxs, y = em.digits_parents((3, 30), n=120)
    sweep = em.build_sweep(ctxs, (("KNN-3", "KNN-30"),), y, weights=(0.25, 0.75),
                           depths=(1, 2), d=6, d_values=(2, 6))
    return cl.widgets.mixing_explorer(sweep)


@pytest.fixture(scope="module")
def attention_ex():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 8)
    X = 2.0 * rng.standard_normal((3, 4))[y] + 0.5 * rng.standard_normal((24, 4))
    sweep = xa.temperature_sweep(xa.unit_tokens(X), y, [0.01, 0.1, 1.0], d=3,
                                 n_per_class=2, device="cpu")
    return cl.widgets.attention_explorer(sweep)


def test_association_update_with_d_off_grid_changes_nothing(association_ex):
    ex = association_ex
    ex.update(k=5, d=4)
    before = _snapshot(ex)
    with pytest.raises(ValueError, match=r"d=5 is not a value of the 'd' control.*\[2, 4, 8\]"):
        ex.update(k=20, d=5)                 # k valid, d off the grid
    _assert_same(_snapshot(ex), before)
    assert ex.state == {"k": 5, "d": 4}
    ex.update(k=20, d=8)                     # and it still works afterwards
    assert ex.state == {"k": 20, "d": 8} and "k = 20" in ex.readout.value
    assert _snapshot(ex)[2] != before[2]


def test_mixing_update_with_weight_off_grid_changes_nothing(mixing_ex):
    ex = mixing_ex
    ex.update(operation="convolution", depth=2, d=2)
    before = _snapshot(ex)
    with pytest.raises(ValueError, match="weight=0.5 is not a value"):
        ex.update(operation="convex", d=6, weight=0.5)
    _assert_same(_snapshot(ex), before)
    with pytest.raises(ValueError, match="operation='mean' is not a value"):
        ex.update(depth=1, operation="mean")
    _assert_same(_snapshot(ex), before)


def test_attention_update_off_grid_changes_nothing(attention_ex):
    ex = attention_ex
    ex.update(temperature=1.0)
    before = _snapshot(ex)
    with pytest.raises(ValueError, match=r"temperature=0.5 is not a value.*\[0.01, 0.1, 1.0\]"):
        ex.update(temperature=0.5)
    _assert_same(_snapshot(ex), before)


class _Fragile(Explorer):
    """A toy explorer whose redraw fails half-way for x = 3 (after moving its line)."""

    def __init__(self):
        super().__init__({"x": ipywidgets.IntSlider(value=1, min=0, max=5),
                          "y": ipywidgets.IntSlider(value=1, min=0, max=5)}, figsize=(2, 2))

    def _setup(self, figure):
        self.line, = figure.add_subplot().plot([0, 1], [0, 0])

    def _redraw(self, x, y):
        self.line.set_ydata([x, y])
        if x == 3:
            raise RuntimeError("cannot show x = 3")
        return f"x={x}, y={y}"


def test_a_failing_redraw_restores_the_previous_state():
    ex = _Fragile()
    ex.update(x=2, y=4)
    before = _snapshot(ex)
    with pytest.raises(RuntimeError, match="x = 3"):
        ex.update(y=5, x=3)
    _assert_same(_snapshot(ex), before)
    assert list(ex.line.get_ydata()) == [2, 4]     # the half-done redraw was undone


def test_a_failing_slider_step_steps_back():
    ex = _Fragile()
    ex.update(x=2, y=4)
    before = _snapshot(ex)
    with pytest.raises(RuntimeError, match="x = 3"):
        ex.controls["x"].value = 3                 # what the browser does
    _assert_same(_snapshot(ex), before)
    ex.controls["x"].value = 4
    assert ex.readout.value == "x=4, y=4"


def test_unknown_control_checked_before_anything_moves():
    ex = _Fragile()
    before = _snapshot(ex)
    with pytest.raises(ValueError, match="unknown control"):
        ex.update(x=4, z=1)
    _assert_same(_snapshot(ex), before)


def test_200_random_steps_never_leave_a_half_applied_state(association_ex):
    ex = association_ex
    rng = np.random.default_rng(0)
    ks, ds = [2, 5, 20], [2, 4, 8]
    expected = dict(ex.state)
    failures = 0
    for _ in range(200):
        step = {"k": int(rng.choice(ks + [3])), "d": int(rng.choice(ds + [5]))}
        if rng.random() < 0.3:
            step.pop("k" if rng.random() < 0.5 else "d")
        try:
            ex.update(**step)
            expected.update(step)
        except ValueError:
            failures += 1
        assert ex.state == expected
        assert (f"k = <b>{expected['k']}</b>, encoder dimension d = <b>{expected['d']}</b>"
                in ex.readout.value)
        i = ex.sweep.index(expected["k"])
        np.testing.assert_array_equal(ex.panels.spectrum_line.get_ydata(),
                                      ex.sweep.singular_values[i])
    assert 20 < failures < 180          # both kinds of step were exercised
