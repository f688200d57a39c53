"""cl.plotting.table: numbers formatted once, aligned text no wider than asked, stable HTML."""

import re

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab.plotting.table import MAX_TEXT_WIDTH, table


def cells_of(html):
    return re.findall(r"<td[^>]*>(.*?)</td>", html)


def test_numbers_spread_missing_and_negative_zero():
    t = table({"CKA": [0.6844, -0.00004, np.nan], "n": [1, 20, None]},
              index=["pixels", "hidden", "output"], spread={"CKA": [0.0123, 0.5, 1.0]},
              formats={"n": "d"})
    assert t.cells == [["0.684 ± 0.012", "1"], ["0.000 ± 0.500", "20"], ["n/a", "n/a"]]
    lines = str(t).splitlines()
    assert lines[0].split() == ["CKA", "n"]
    # every line of the block has the same width: columns aligned on the right
    assert len({len(line) for line in lines[1:]}) == 1
    assert lines[2].startswith("pixels") and lines[2].endswith(" 1")


def test_highlight_bolds_every_entry_equal_to_the_best_once_formatted():
    t = table({"a": [0.5004, 0.4996, 0.3], "b": [3.0, 1.0, 2.0]},
              highlight={"a": "max", "b": "min"}, digits=2)
    assert [row[0] for row in t.bold] == [True, True, False]      # both read 0.50
    assert [row[1] for row in t.bold] == [False, True, False]
    html = t.to_html()
    assert cells_of(html) == ["<b>0.50</b>", "3.00", "<b>0.50</b>", "<b>1.00</b>",
                              "0.30", "2.00"]
    assert "bold: best in its column" in html
    assert "*" in str(t)


def test_format_patterns_and_percentages():
    t = table({"acc": [0.91234], "loss": [12345.678]},
              formats={"acc": "{:.1%}", "loss": ".2e"})
    assert t.cells == [["91.2%", "1.23e+04"]]


def test_wide_tables_split_into_blocks_that_repeat_row_names():
    rng = np.random.default_rng(0)
    rows = [[f"pair {i}", *rng.random(8)] for i in range(4)]
    names = ["pair"] + [f"metric number {j}" for j in range(8)]
    t = table(rows, columns=names)
    assert t.index == [f"pair {i}" for i in range(4)] and t.index_name == "pair"
    text = str(t)
    assert max(len(line) for line in text.splitlines()) <= MAX_TEXT_WIDTH
    blocks = text.split("\n\n")
    assert len(blocks) >= 2
    for block in blocks:        # every block names its rows
        assert [line.split()[:2] for line in block.splitlines()[2:]] == \
            [["pair", str(i)] for i in range(4)]
    # each block shows its columns' values, rounded to 3 decimals, under their names
    seen = []
    for block in blocks:
        header, _, *body = block.splitlines()
        numbers = [int(n) for n in re.findall(r"metric number (\d)", header)]
        seen += numbers
        for i, line in enumerate(body):
            assert line.split()[2:] == [f"{rows[i][1 + j]:.3f}" for j in numbers]
    assert seen == list(range(8))


def test_output_is_deterministic_and_escaped():
    make = lambda: table({"a<b": [1.0, 2.0]}, index=["x & y", "z"], title="t <1>")  # noqa
    assert make().to_html() == make().to_html()
    assert str(make()) == repr(make())
    html = make().to_html()
    assert "a&lt;b" in html and "x &amp; y" in html and "t &lt;1&gt;" in html
    assert make()._repr_html_() == html
    assert "overflow-x:auto" in html     # never wider than the column: it scrolls


def test_the_plotting_namespace_exports_it():
    assert cl.plotting.table is table
    assert isinstance(cl.plotting.table({"a": [1.0]}), cl.plotting.Table)


@pytest.mark.parametrize("kwargs, match", [
    (dict(data={"a": [1, 2], "b": [1]}), "same length"),
    (dict(data=[[1, 2], [3]], columns=["a", "b"]), "same length"),
    (dict(data=[[1, 2]]), "columns"),
    (dict(data=[[1, 2]], columns=["a"]), "columns has 1 names"),
    (dict(data={"a": [1]}, index=["x", "y"]), "index has 2 names"),
    (dict(data={"a": [1]}, highlight={"a": "best"}), "'max' or 'min'"),
    (dict(data={"a": [1]}, highlight={"b": "max"}), "unknown column"),
    (dict(data={"a": [1]}, spread={"a": [1, 2]}), "spread"),
    (dict(data={"a": [1]}, digits=-1), "digits"),
    (dict(data="abc"), "data must be"),
    (dict(data={"a": [1]}, columns=["a"]), "columns must be None"),
])
def test_bad_input_names_the_argument(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        table(**kwargs)
