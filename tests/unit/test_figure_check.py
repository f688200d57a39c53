"""The layout check finds overlapping text, text off the figure and legends on data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab.plotting.figure_check import problems

pytestmark = pytest.mark.usefixtures("lab_style")


def test_a_clean_figure_has_no_problems():
    fig, ax = plt.subplots()
    ax.plot(np.arange(10), np.arange(10) ** 2, label="squares")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="upper left")
    fig.tight_layout()
    assert problems(fig) == []


def test_crowded_tick_labels_are_found():
    fig, ax = plt.subplots(figsize=(2.0, 2.0))
    ax.set_xticks(np.arange(30))
    ax.set_xticklabels([f"label {i}" for i in range(30)])
    found = problems(fig)
    assert any("overlaps" in p and "label" in p for p in found)


def test_text_outside_the_figure_is_found_unless_the_figure_is_cropped_tight():
    fig, ax = plt.subplots()
    ax.text(1.5, 0.5, "far right", transform=ax.transAxes)
    assert any("'far right' falls outside" in p for p in problems(fig))
    assert problems(fig, inside_figure=False) == []


def test_a_legend_on_the_data_is_found():
    fig, ax = plt.subplots()
    x = np.linspace(0, 1, 200)
    ax.plot(x, np.full_like(x, 0.95), label="a line along the top")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left")
    found = problems(fig)
    assert any("legend" in p and "covers" in p for p in found)


def test_core_plots_are_clean():
    rng = np.random.default_rng(0)
    fig, ax = plt.subplots()
    cl.plotting.spectrum_comparison({"A": np.sort(rng.random(20))[::-1],
                                     "B": np.sort(rng.random(20))[::-1] / 2}, ax=ax)
    fig.tight_layout()
    assert problems(fig) == []
    fig = cl.plotting.image_grid(rng.normal(size=(64, 8)), (8, 8),
                                 titles=[f"$\\mu_{i + 1}$" for i in range(8)], figsize=(9, 1.6))
    assert problems(fig) == []
    W = cl.datasets.grid_graph(3, 3)
    layout = np.column_stack([np.arange(9) % 3, np.arange(9) // 3]).astype(float)
    fig = cl.plotting.graph_functions(W, rng.normal(size=(9, 3)), layout,
                                      titles=["f1", "f2", "f3"])
    assert problems(fig) == []


def test_the_test_command_checks_every_notebook_figure():
    import tasks

    assert tasks.TEST_ENV[cl.plotting.core.CHECK_FIGURES_ENV] == "1"


def test_the_notebook_hook_reports_a_bad_figure(monkeypatch, capsys):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    monkeypatch.setenv(cl.plotting.core.CHECK_FIGURES_ENV, "1")
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    with matplotlib.rc_context():
        cl.plotting.use_lab_style()
        fig, ax = plt.subplots()
        x = np.linspace(0, 1, 50)
        ax.plot(x, x, label="diagonal")
        ax.legend(loc="center")
        shell.display_formatter.format(fig)
        assert "figure check: the legend of axes '' covers" in capsys.readouterr().err
        cl.plotting.legend_beside(ax)
        shell.display_formatter.format(fig)
        assert capsys.readouterr().err == ""


def test_text_below_ten_pixels_is_found_from_font_size_and_dpi():
    fig, ax = plt.subplots(figsize=(9.0, 3.0), dpi=100)
    ax.plot([0, 1], [0, 1], label="line")
    ax.set_title("title", fontsize=7)            # 7 pt at 100 dpi: 9.7 px
    ax.tick_params(labelsize=8)                  # 8 pt: 11.1 px
    fig.tight_layout()
    found = problems(fig)
    assert found == ["text 'title' is 9.7 px at 100 % zoom (below 10 px: larger font size "
                     "or a narrower figure)"]
    fig.set_dpi(72)                              # the same figure shown at 72 dpi
    found = problems(fig)
    assert any("'title' is 7.0 px" in p for p in found)
    assert any("is 8.0 px" in p and "more" in p for p in found)   # every tick label
    assert problems(fig, min_text_px=0) == []


def test_fit_to_column_sets_the_dpi_that_shows_the_cropped_figure_900_px_wide():
    fig, ax = plt.subplots(figsize=(6.0, 3.0))
    ax.plot([0, 1], [0, 1])
    fig.tight_layout()
    dpi = cl.plotting.fit_to_column(fig)
    width_in = cl.plotting.core.display_width_in(fig)
    assert fig.dpi == pytest.approx(dpi)
    assert width_in * dpi == pytest.approx(cl.plotting.COLUMN_PX, rel=1e-2)
    # a deliberately small figure keeps the width it asks for, and says why
    cl.plotting.set_display_width(fig, 400, reason="one digit, drawn at its own size")
    assert cl.plotting.fit_to_column(fig) * width_in == pytest.approx(400, rel=1e-2)
    with pytest.raises(ValueError, match="reason"):
        cl.plotting.set_display_width(fig, 400, reason="")


def test_narrow_explorer_panels_are_found():
    fig, axes = plt.subplots(1, 4, figsize=(9.0, 3.0), dpi=100)
    found = problems(fig, min_axes_px=250)
    assert len([p for p in found if "px wide (at least 250 px" in p]) == 4
    fig, axes = plt.subplots(2, 2, figsize=(9.0, 6.0), dpi=100)
    assert problems(fig, min_axes_px=250) == []
