"""Every public figure of the plotting layer, on small inputs: laid out cleanly, and drawing
what was computed.

Each figure goes through :func:`contexture_lab.plotting.figure_check.problems` (no
overlapping text, legends on no data; for the explorers' fixed-size canvases also no text
outside the figure), and its content is checked item by item: a drawn line's data equals
the computed values, a colourbar sits wherever colour encodes a value, a legend names
every group told apart by colour, and groups differ by more than colour.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colorbar import Colorbar
from matplotlib.figure import Figure

import contexture_lab as cl
from contexture_lab.explore import association as ea
from contexture_lab.explore import attention as xa
from contexture_lab.explore import mixing as em
from contexture_lab.plotting import association as pas
from contexture_lab.plotting import attention as pat
from contexture_lab.plotting import mixing as pmx
from contexture_lab.plotting.figure_check import problems

KS = (1, 3, 10, 30, 100)


pytestmark = pytest.mark.usefixtures("lab_style")


@pytest.fixture(scope="module")
def assoc(tmp_path_factory):
    digits = cl.datasets.load_digits(300, random_state=1)
    return ea.build_sweep("knn", KS, X=digits.X, y=digits.y, d=16, d_values=(2, 8, 16),
                          image_features=digits.X, image_shape=(8, 8), n_images=4,
                          cache_dir=tmp_path_factory.mktemp("sweeps"))


@pytest.fixture(scope="module")
def mix():
    parents, y = em.digits_parents((3, 15, 60), n=200)
    return em.build_sweep(parents, (("KNN-3", "KNN-60"), ("KNN-3", "KNN-15")), y,
                          weights=(0.25, 0.5, 0.75), depths=(1, 2), d=12, d_values=(4, 12))


@pytest.fixture(scope="module")
def temp():
    rng = np.random.default_rng(0)
    y = np.repeat([2, 0, 1], 12)
    X = 2.0 * rng.standard_normal((3, 5))[y] + 0.7 * rng.standard_normal((36, 5))
    return xa.temperature_sweep(xa.unit_tokens(X), y, [0.003, 0.01, 0.03, 0.3, 1.0], d=4,
                                n_per_class=3, device="cpu")


def clean(fig, *, fixed_size=False):
    """Assert the figure has no layout problem, judged as the reader sees it.

    A static figure is first fitted to the notebook column as the inline backend shows it
    (text then at least 10 px); a fixed-size canvas (an explorer's) is judged at its own
    dpi, with nothing outside it and panels at least 250 px wide."""
    if not fixed_size:
        cl.plotting.fit_to_column(fig)
    found = problems(fig, inside_figure=fixed_size,
                     min_axes_px=250 if fixed_size else None)
    assert found == [], found


def colourbars(fig) -> list:
    """The colourbars of ``fig`` (each lives on its own axes)."""
    return [ax._colorbar for ax in fig.axes if isinstance(getattr(ax, "_colorbar", None),
                                                          Colorbar)]


def legend_labels(ax) -> list:
    legend = ax.get_legend()
    assert legend is not None, f"axes {ax.get_title()!r} has no legend"
    return [t.get_text() for t in legend.get_texts()]


def styles(lines) -> list:
    """(line style, marker) of each line: what tells lines apart without colour."""
    return [(str(ln.get_linestyle()), str(ln.get_marker())) for ln in lines]


# ---------------------------------------------------------------------- the check itself
def test_the_check_fails_on_overlapping_labels_and_a_legend_on_data():
    fig, ax = plt.subplots(figsize=(2.5, 2.0))
    ax.set_xticks(np.arange(20))
    ax.set_xticklabels([f"tick {i}" for i in range(20)])
    assert any("overlaps" in p for p in problems(fig))
    fig, ax = plt.subplots()
    x = np.linspace(0, 1, 50)
    ax.plot(x, x, label="diagonal")
    ax.legend(loc="center", bbox_to_anchor=(0.5, 0.5))      # on the diagonal
    assert any("covers" in p for p in problems(fig))
    cl.plotting.legend_beside(ax)                                  # moved off it
    assert problems(fig, inside_figure=False) == []


# ---------------------------------------------------------------------- core
def test_spectrum_and_comparison_draw_the_values():
    s = {"A": np.array([0.9, 0.5, 0.2, 0.1]), "B": np.array([0.8, 0.7, 0.6, 0.5])}
    fig, ax = plt.subplots()
    cl.plotting.spectrum_comparison(s, ax=ax, log=True, title="two spectra")
    clean(fig)
    for line, values in zip(ax.lines, s.values()):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, 5))
        np.testing.assert_array_equal(line.get_ydata(), values)
    assert legend_labels(ax) == ["A", "B"]
    assert len(set(styles(ax.lines))) == 2
    fig, ax = plt.subplots()
    cl.plotting.spectrum(s["A"], ax=ax)
    clean(fig)
    assert ax.lines[1].get_ydata().tolist() == [1.0]       # s_0 drawn apart


def test_image_grid_and_graph_functions_have_a_colourbar():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(64, 5))
    fig = cl.plotting.image_grid(values, (8, 8), titles=[f"f{i}" for i in range(5)])
    clean(fig)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 5
    np.testing.assert_allclose(images[2].get_array(),
                               values[:, 2].reshape(8, 8) / np.abs(values[:, 2]).max())
    assert len(colourbars(fig)) == 1
    W = cl.datasets.grid_graph(3, 3)
    layout = np.column_stack([np.arange(9) % 3, np.arange(9) // 3]).astype(float)
    f = rng.normal(size=(9, 2))
    fig = cl.plotting.graph_functions(W, f, layout, titles=["f1", "f2"])
    clean(fig)
    nodes = fig.axes[1].collections[0]
    np.testing.assert_allclose(nodes.get_array(), f[:, 1] / np.abs(f[:, 1]).max())
    np.testing.assert_array_equal(nodes.get_offsets(), layout)
    assert len(colourbars(fig)) == 1


# ---------------------------------------------------------------------- association
def test_association_curves(assoc):
    fig, ax = plt.subplots(figsize=(8, 3.4))
    pas.error_curves(assoc, ax=ax)
    clean(fig)
    for line, j in zip(ax.lines, range(assoc.d_values.size)):
        np.testing.assert_array_equal(line.get_ydata(), assoc.probe_error[:, j])
    assert legend_labels(ax) == [f"d = {d}" for d in assoc.d_values]
    assert len(set(styles(ax.lines))) == assoc.d_values.size
    fig, ax = plt.subplots()
    lines = pas.metric_curves(assoc, ax=ax)
    clean(fig)
    tau = np.log(assoc.metrics["tau"])
    np.testing.assert_allclose(lines["tau"].get_ydata(),
                               (tau - tau.min()) / (tau.max() - tau.min()))
    assert len(set(styles(lines.values()))) == len(lines)
    fig, ax = plt.subplots()
    pas.spectra_along(assoc, [3, 30], ax=ax)
    clean(fig)
    np.testing.assert_array_equal(ax.lines[1].get_ydata(),
                                  assoc.singular_values[assoc.index(30)])
    assert len(set(styles(ax.lines))) == 2


@pytest.mark.slow
def test_association_overview_figures(assoc):
    fig = pas.sweep_overview(assoc, values=[1, 10, 100])
    clean(fig)
    fig = pas.metrics_against_error(assoc, ea.correlations(assoc))
    clean(fig)
    first = fig.axes[0].collections[0]
    ok = np.isfinite(assoc.metrics["decay_rate"])
    np.testing.assert_allclose(first.get_offsets()[:, 1], assoc.best_error[ok])
    assert len(colourbars(fig)) == 1             # colour encodes the knob
    fig = pas.function_images(assoc, 10, n=4)
    clean(fig)
    assert len(colourbars(fig)) == 1


def test_association_panels(assoc):
    fig = Figure(figsize=pas.AssociationPanels.FIGSIZE, dpi=100)
    FigureCanvasAgg(fig)
    panels = pas.AssociationPanels(fig, assoc)
    i, j = assoc.index(10), assoc.d_index(8)
    panels.show(i, j)
    clean(fig, fixed_size=True)
    emb = assoc.left[i, :, :2]
    drawn = np.concatenate([np.column_stack(ln.get_data()) for ln in panels.embedding])
    rows = np.concatenate(panels._groups)
    np.testing.assert_array_equal(drawn, emb[rows])
    # the scatter has ticks and limits that hold the points, and a legend of the digits
    ax = panels.ax_embed
    assert len(ax.get_xticks()) >= 2 and len(ax.get_yticks()) >= 2
    lo, hi = ax.get_xlim()
    assert lo <= np.percentile(emb[:, 0], 1) and hi >= np.percentile(emb[:, 0], 99)
    assert legend_labels(ax) == [str(c) for c in range(10)]
    np.testing.assert_array_equal(panels.error_line.get_ydata(), assoc.probe_error[:, j])


# ---------------------------------------------------------------------- mixing
@pytest.mark.slow
def test_mixing_figures(mix):
    pair = mix.pairs[0]
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    pmx.strength_plane(mix, ax=ax)
    clean(fig)
    rows = mix.path(pair, "convex")
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), mix.metrics["sum_s2"][rows])
    fig, ax = plt.subplots(figsize=(6.0, 3.2))
    pmx.error_along(mix, pair, d=12, ax=ax)
    clean(fig)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(),
                                  mix.probe_error[mix.grid_rows(pair, "convex"), 1])
    parents = [ln for ln in ax.lines if ln.get_label().endswith("alone")]
    assert len(parents) == 2
    fig = pmx.sweep_overview(mix, pair, d=12)
    clean(fig)
    spectra = fig.axes[0].lines
    # parents and mixtures differ by line style or marker, not by colour alone
    assert len(set(styles(spectra))) == len(spectra)


@pytest.mark.slow
def test_mixing_panels(mix):
    fig = Figure(figsize=pmx.MixingPanels.FIGSIZE, dpi=100)
    FigureCanvasAgg(fig)
    panels = pmx.MixingPanels(fig, mix)
    pair = mix.pairs[0]
    rows = (mix.parent_row(pair[0]), mix.parent_row(pair[1]), mix.row(pair, "convex", 0.5))
    panels.show(rows, mix.path(pair, "convex"), 1)
    clean(fig, fixed_size=True)
    for line, r in zip(panels.spectra, rows):
        np.testing.assert_array_equal(line.get_ydata(), mix.singular_values[r])
    for line, r in zip(panels.errors, rows):
        np.testing.assert_array_equal(line.get_ydata(), mix.probe_error[r])
    assert len(set(styles(panels.spectra))) == 3
    assert len(set(styles(panels.errors))) == 3
    # one legend (the fourth cell) says which line and marker is which, in every panel
    names = [t.get_text() for t in panels.legend.get_texts()]
    assert names[:3] == ["first parent", "second parent", "mixture"]
    assert styles(panels.legend.legend_handles[:3]) == styles(panels.spectra)


# ---------------------------------------------------------------------- attention
@pytest.mark.slow
def test_attention_figures(temp):
    fig = pat.temperature_panels(temp, [0.003, 0.3])
    clean(fig)
    assert len(colourbars(fig)) == 1             # colour encodes the attention weight
    assert len(set(styles(fig.axes[2].lines))) == 2
    fig = pat.sweep_summary(temp)
    clean(fig)
    fig, ax = plt.subplots()
    pat.draw_sweep_curves(ax, temp, 1)
    clean(fig)
    fig = pat.training_figure([1.0, 0.6, 0.4], np.linspace(1, 0, 12), np.linspace(1, 0.5, 12),
                              reference=np.r_[np.ones(3), np.zeros(9)])
    clean(fig)
    assert len(set(styles(fig.axes[1].lines))) == 3
    fig = pat.cross_attention_figure(np.full(12, 1 / 12), np.repeat([0, 1, 2], 4),
                                     query_title="one query")
    clean(fig)
    fig = pat.depth_figure([np.linspace(1, 0, 10), np.linspace(0.8, 0, 10)],
                           np.array([1.0, 0.5, 0.1]), {"bound": np.array([1.0, 0.6, 0.2])})
    clean(fig)
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), [1.0, 0.5, 0.1])
    W = cl.datasets.ring_graph(8)
    res = cl.in_context.graph_learning(W, [10, 100], d=2)
    fig = pat.graph_learning_figure(res, W, [0, 1])
    clean(fig)
    assert len(colourbars(fig)) == 1             # node colour = node index
    fig, ax = plt.subplots(figsize=(4.6, 2.8))
    pat.alignment_curve(res, ax=ax)
    fig.tight_layout()
    clean(fig)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), res.alignment)


# ---------------------------------------------------------------------- explorers
@pytest.mark.parametrize("name", ["association", "mixing", "attention"])
@pytest.mark.slow
def test_explorer_figures(name, assoc, mix, temp):
    sweep = {"association": assoc, "mixing": mix, "attention": temp}[name]
    ex = getattr(cl.widgets, f"{name}_explorer")(sweep)
    clean(ex.figure, fixed_size=True)
