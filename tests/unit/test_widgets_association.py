"""The association explorer, driven without a browser through ``update``."""

import io
import re

import ipywidgets
import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab.explore import association as ea
from contexture_lab.widgets.association import AssociationExplorer, association_explorer
from contexture_lab.widgets.base import Explorer

KS = [1, 3, 10, 30, 100]


@pytest.fixture(scope="module")
def sweep():
    digits = cl.datasets.load_digits(300, random_state=1)
    # d0 = 100: at k = 1 the 189 singular values equal to 1 fill it (tau blows up)
    return ea.build_sweep("knn", KS, X=digits.X, y=digits.y, d=16, d_values=(2, 8, 16),
                          d0=100, image_features=digits.X, image_shape=(8, 8), n_images=4,
                          cache=False)


@pytest.fixture
def ex(sweep):
    return association_explorer(sweep)


def _buffer(explorer):
    return np.asarray(explorer.canvas.get_renderer().buffer_rgba()).copy()


def test_contract(ex, sweep):
    assert isinstance(ex.widget, ipywidgets.VBox)
    assert ex.figure.canvas is ex.canvas and isinstance(ex.canvas, ipywidgets.DOMWidget)
    assert set(ex.controls) == {"k", "d"}
    assert ex.controls["k"].options == tuple(KS)
    assert ex.state == {"k": 10, "d": 16}  # middle of the grid, largest d


def test_update_moves_every_panel(ex, sweep):
    ex.update(k=30, d=8)
    i, j = sweep.index(30), sweep.d_index(8)
    p = ex.panels
    np.testing.assert_array_equal(p.spectrum_line.get_ydata(), sweep.singular_values[i])
    np.testing.assert_array_equal(p.error_line.get_ydata(), sweep.probe_error[:, j])
    x, y = p.error_marker.get_data()
    assert list(x) == [30] and list(y) == [sweep.probe_error[i, j]]
    assert list(p.d_line.get_xdata()) == [8.5, 8.5]
    assert list(p.knob_line.get_xdata()) == [30, 30]
    # the embedding shows (mu_1, mu_2) of every input, grouped by class
    xs = np.concatenate([line.get_xdata() for line in p.embedding])
    rows = np.concatenate(p._groups)
    np.testing.assert_array_equal(xs, sweep.left[i, rows, 0])
    # first image of the mosaic: mu_1 seen as an image, scaled to max |.| = 1
    img = sweep.images[i, :, 0].reshape(8, 8)
    np.testing.assert_allclose(p.mosaic.get_array()[:, :8], img / np.abs(img).max())
    assert "k = 30" in ex.readout.value
    row = readout_cells(ex)          # one aligned row under the measures' names
    assert row[3] == f"{sweep.probe_error[i, j]:.3f}"
    assert row[1] == f"{sweep.singular_values[i, 0]:.3f}"
    assert row[2] == f"{sweep.singular_values[i, 7]:.3f}"


def readout_cells(ex) -> list[str]:
    """The cells of the readout table's row: numbers only (the status line names the grid
    point), each under a header that names it."""
    head = re.findall(r"<th[^>]*>(.*?)</th>", ex.readout.value)
    row = re.findall(r"<td[^>]*>(.*?)</td>", ex.readout.value)
    assert len(head) == len(row) == 9 and all(h.strip() for h in head)
    return row


def test_slider_change_redraws(ex, sweep):
    ex.controls["k"].value = 3
    np.testing.assert_array_equal(ex.panels.spectrum_line.get_ydata(),
                                  sweep.singular_values[sweep.index(3)])
    assert "k = 3" in ex.readout.value


def test_extreme_is_reported(ex, sweep):
    ex.update(k=1, d=8)
    text = ex.readout.value
    assert "blows up" in text and "d<sub>0</sub> = 100" in text
    assert readout_cells(ex)[0] == "190"          # components
    # d = 8 cuts the cluster of ones: the error is a mean over bases, with its spread
    i, j = sweep.index(1), sweep.d_index(8)
    assert f"{sweep.probe_error[i, j]:.3f} &plusmn; {sweep.probe_spread[i, j]:.3f}" in text
    ex.update(k=100)
    assert "&plusmn;" not in ex.readout.value


def test_bad_updates(ex):
    with pytest.raises(ValueError, match="unknown control"):
        ex.update(bandwidth=1.0)
    with pytest.raises(Exception, match="Invalid selection"):
        ex.update(k=4)
    with pytest.raises(TypeError, match="AssociationSweep"):
        AssociationExplorer("not a sweep")
    with pytest.raises(ValueError, match="not on the sweep"):
        association_explorer(ex.sweep, value=7)


def test_blitting_gives_the_full_drawing(ex):
    ex.canvas.draw()  # full draw: saves the background
    assert ex._background is not None
    ex.update(k=100, d=2)  # blit: restore background, draw the moving artists
    blitted = _buffer(ex)
    ex.canvas.draw()
    np.testing.assert_array_equal(blitted, _buffer(ex))


def test_static_image_contains_the_moving_artists(ex):
    # the figure saved (or shown inline) must not lose the animated artists
    ex.update(k=3)
    png_a = io.BytesIO()
    ex.figure.savefig(png_a, format="png")
    ex.update(k=100)
    png_b = io.BytesIO()
    ex.figure.savefig(png_b, format="png")
    assert png_a.getvalue() != png_b.getvalue()


def test_base_needs_controls():
    class Empty(Explorer):
        def _setup(self, figure):
            pass

    with pytest.raises(ValueError, match="at least one control"):
        Empty({})


def test_sweep_without_labels_or_images():
    sweep = ea.build_sweep("hypercube", [0.05, 0.2, 0.4], n_bits=4, d=15, d_values=(4, 15),
                           cache=False)
    ex = association_explorer(sweep)
    ex.update(flip=0.4, d=4)
    np.testing.assert_allclose(ex.panels.spectrum_line.get_ydata()[:4], 0.2)
    assert ex.panels.mosaic is None and readout_cells(ex)[3] == "n/a"     # probe error
    assert "flip = 0.4" in ex.readout.value


def test_readout_keeps_its_shape_for_every_knob_value(ex, sweep):
    """Status line, one table row of numbers and a note line, whatever the knobs show (the
    browser test measures the height itself): sentences never go into the cells."""
    shapes = set()
    for k in KS:
        for d in sweep.d_values:
            ex.update(k=k, d=int(d))
            cells = readout_cells(ex)
            assert all(re.fullmatch(r"[-0-9.]+( &plusmn; [0-9.]+)?|n/a|&infin;", c)
                       for c in cells), cells
            html = ex.readout.value
            shapes.add((html.count("<div"), html.count("<tr>"), html.count("<col "),
                        re.findall(r"table-layout:fixed;width:(\d+)ch", html)[0]))
    assert len(shapes) == 1, shapes
    # the table fits the book's explorer box (about 750 px, some 94 digit widths at its
    # font): no column, header or number, is cut off the right edge
    assert int(shapes.pop()[3]) <= 94
    ex.update(k=1, d=8)
    notes = re.findall(r"<div style='[^']*color:#555;' title='([^']*)'", ex.readout.value)
    assert len(notes) == 1 and "blows up" in notes[0] and "random bases" in notes[0]
