"""cl.plotting.heatmap and cl.plotting.bands draw the values they are given, cleanly."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colorbar import Colorbar
from matplotlib.patches import Rectangle

import contexture_lab as cl
from contexture_lab.plotting.figure_check import problems

pytestmark = pytest.mark.usefixtures("lab_style")


def shown(fig):
    """Fit the figure to the column as the notebook does, then check it."""
    cl.plotting.fit_to_column(fig)
    found = problems(fig, inside_figure=False)
    assert found == [], found


def cell_texts(ax):
    return {(round(t.get_position()[0], 2), round(t.get_position()[1], 2)): t.get_text()
            for t in ax.texts}


def hatched(ax):
    return sorted((p.get_x() + 0.5, p.get_y() + 0.5) for p in ax.patches
                  if isinstance(p, Rectangle) and p.get_hatch())


METRICS = ["cca_r2", "svcca", "linear_cka", "debiased_cka", "rbf_cka", "mutual_knn", "rsa",
           "procrustes"]
PAIRS = ["mu vs MLP KISE", "MLP KISE vs MLP SVME", "mu vs RFF thumbs", "mu vs stretched mu",
         "mu vs pixels PCA", "mu vs hidden 1 (128)", "mu vs unrelated"]


def test_heatmap_of_an_eight_metric_table_with_nulls_marked():
    rng = np.random.default_rng(0)
    values = rng.random((len(PAIRS), len(METRICS)))
    values[-1] = 0.02
    null = np.full_like(values, 0.04)
    marked = np.zeros(values.shape, bool)
    marked[-1] = True
    fig = cl.plotting.heatmap(values, rows=PAIRS, columns=METRICS, null=null, marked=marked,
                              marked_label="p > 0.05: within the permutation null",
                              by_column=True, colorbar_label="within its column",
                              title="statistic (null mean under it)")
    shown(fig)
    ax = fig.axes[0]
    # the image holds each column rescaled to [0, 1]; the texts the raw numbers
    image = ax.images[0].get_array()
    np.testing.assert_allclose(image.min(axis=0)[:-1], 0.0)
    np.testing.assert_allclose(image[:-1].max(axis=0), 1.0)
    texts = cell_texts(ax)
    assert texts[(2.0, round(0 - 0.12, 2))] == f"{values[0, 2]:.2f}"
    assert texts[(2.0, 0.24)] == "null 0.04"
    assert hatched(ax) == [(float(j), float(len(PAIRS) - 1)) for j in range(len(METRICS))]
    legend_texts = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    assert legend_texts == ["p > 0.05: within the permutation null"]
    bars = [a for a in fig.axes if isinstance(getattr(a, "_colorbar", None), Colorbar)]
    assert len(bars) == 1 and bars[0].get_ylabel() == "within its column"
    # filling the 900 px column, every text is at least 10 px
    assert abs(cl.plotting.core.display_width_in(fig) * fig.dpi - cl.plotting.COLUMN_PX) < 9


def test_heatmap_on_one_scale_and_missing_cells():
    values = np.array([[0.1, np.nan], [0.5, 0.9]])
    fig = cl.plotting.heatmap(values, rows=["a", "b"], columns=["x", "y"], digits=1)
    shown(fig)
    ax = fig.axes[0]
    texts = cell_texts(ax)
    assert texts == {(0.0, 0.0): "0.1", (1.0, 0.0): "n/a", (0.0, 1.0): "0.5",
                     (1.0, 1.0): "0.9"}
    norm = ax.images[0].norm
    assert (norm.vmin, norm.vmax) == (0.1, 0.9)
    assert hatched(ax) == [] and fig.legends == []
    # dark cells get white ink, light cells black (viridis: low dark, high light)
    ink = {t.get_text(): t.get_color() for t in ax.texts}
    assert ink["0.1"] == "white" and ink["0.9"] == "black"


@pytest.mark.parametrize("kwargs, match", [
    (dict(values=np.zeros(3)), "2-d"),
    (dict(rows=["a"]), "rows and columns"),
    (dict(marked=np.zeros((2, 2))), "boolean"),
    (dict(null=np.zeros((3, 2))), "shape of values"),
    (dict(digits=-1), "digits"),
])
def test_heatmap_bad_input(kwargs, match):
    args = dict(values=np.zeros((2, 2)), rows=["a", "b"], columns=["x", "y"]) | kwargs
    with pytest.raises(ValueError, match=match):
        cl.plotting.heatmap(**args)


def test_bands_draw_means_and_spreads():
    x = np.array([1, 10, 100, 1000])
    curves = {"KISE": np.array([0.5, 0.4, 0.3, 0.25]), "SVME": np.array([0.6, 0.5, 0.4, 0.3])}
    spread = {"KISE": np.full(4, 0.02)}
    fig, ax = plt.subplots()
    cl.plotting.bands(x, curves, spread=spread, log_x=True, xlabel="n", ylabel="error",
                      band_label="± 1 s.e. over 5 seeds")
    fig = plt.gcf()
    ax = fig.axes[0]
    shown(fig)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), curves["KISE"])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), curves["SVME"])
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].max() == pytest.approx(0.52) and band[:, 1].min() == pytest.approx(0.23)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["KISE", "SVME", "± 1 s.e. over 5 seeds"]
    assert ax.lines[0].get_linestyle() != ax.lines[1].get_linestyle()
    with pytest.raises(ValueError, match="unknown group"):
        cl.plotting.bands(x, curves, spread={"other": x})
