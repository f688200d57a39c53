"""contexture_lab._progress: bars that say what is at work, and can be turned off."""

import contexture_lab as cl
from contexture_lab import _progress


def test_progress_yields_every_item_and_names_the_work(capsys, monkeypatch):
    monkeypatch.delenv(_progress.PROGRESS_ENV, raising=False)
    assert list(cl.progress(range(5), "squares")) == [0, 1, 2, 3, 4]
    err = capsys.readouterr().err
    assert "squares:   0%|          | 0/5" in err      # named, with its total


def test_a_task_counts_to_its_total(capsys, monkeypatch):
    monkeypatch.delenv(_progress.PROGRESS_ENV, raising=False)
    with _progress.task("forward pass", 7) as bar:
        bar.update(3)
        bar.update(4)
        assert bar.n == 7 and bar.total == 7
    assert "forward pass" in capsys.readouterr().err


def test_bars_can_be_hidden(capsys, monkeypatch):
    monkeypatch.setenv(_progress.PROGRESS_ENV, "0")
    assert list(cl.progress([1, 2], "hidden")) == [1, 2]
    assert list(cl.progress([1, 2], "shown", show=False)) == [1, 2]
    assert capsys.readouterr().err == ""


def test_package_loops_that_take_seconds_show_a_bar(capsys, monkeypatch):
    import numpy as np

    monkeypatch.delenv(_progress.PROGRESS_ENV, raising=False)
    rng = np.random.default_rng(0)
    F, G = rng.standard_normal((30, 3)), rng.standard_normal((30, 3))
    cl.alignment.compare(F, G, ["linear_cka", "cca_r2"], n_permutations=3, seed=0)
    assert "permutation nulls" in capsys.readouterr().err
