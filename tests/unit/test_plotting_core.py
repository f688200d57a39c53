"""Tests of contexture_lab.plotting.core: the figures draw the values they are given."""

import matplotlib.pyplot as plt
import numpy as np


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


def test_the_s0_star_has_one_legend_entry_that_explains_it():
    from contexture_lab.plotting import core

    fig, ax = plt.subplots()
    core.spectrum(np.array([0.9, 0.5]), ax=ax, label="first")
    core.spectrum(np.array([0.8, 0.4]), ax=ax, label="second")
    ax.legend()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["first", core.S0_LABEL, "second"]
    assert core.S0_LABEL == "$s_0 = 1$ (constant function)"
    plt.close("all")
