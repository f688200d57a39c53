"""What an explorer cell shows where no kernel runs (a static viewer, a stored notebook)."""

import re

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

from contexture_lab.widgets.base import ExplorerBox, offline_text


def test_offline_text_names_the_explorer_and_how_to_open_it():
    text = offline_text("AssociationExplorer")
    assert text.startswith("[Interactive association explorer:")
    assert "kernel" in text and "tasks.py lab" in text


def test_box_reads_as_the_sentence_and_keeps_the_widget_view():
    box = ExplorerBox([])
    box.offline_text = offline_text("MixingExplorer")
    bundle = box._repr_mimebundle_()
    assert bundle["text/plain"] == box.offline_text
    assert "VBox" not in bundle["text/plain"]
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == box.model_id
    assert np.isscalar(view["version_major"])


def test_readout_tables_align_every_column_with_its_header():
    from contexture_lab.widgets.base import html_table

    table = html_table(["", "s<sub>1</sub>", "error"], [["first", "0.912", "<b>0.1</b>"],
                                                         ["mixture", "0.5", "0.25"]])
    assert table.count("<th ") == 3 and table.count("<td ") == 6
    assert table.count("<tr>") == 3
    # names left, numbers right, under headers aligned the same way
    assert table.count("text-align:left") == 3 and table.count("text-align:right") == 6
    assert "<thead>" in table and "<tbody>" in table


def test_readout_html_has_three_parts_of_fixed_height():
    from contexture_lab.widgets.base import readout_html

    html = readout_html("k = <b>3</b>", ["", "s<sub>1</sub>", "error"],
                        [["first", "0.912", "0.1 &plusmn; 0.02"]], note="a caveat",
                        widths=[8, 8, 16])
    # a status line and a note line that never wrap, and a table of fixed column widths
    lines = re.findall(r"<div style='([^']*)' title='([^']*)'>", html)
    assert [title for _, title in lines] == ["k = 3", "a caveat"]
    assert all("white-space:nowrap" in style and "height:1.5em" in style
               for style, _ in lines)
    assert "table-layout:fixed" in html and "width:32ch" in html
    assert re.findall(r"<col style='width:(\d+)ch'>", html) == ["8", "8", "16"]
    cells = re.findall(r"<t[hd] style='([^']*)'", html)
    assert len(cells) == 6 and all("white-space:nowrap" in c for c in cells)
    # an empty note still takes its line
    empty = readout_html("s", ["a"], [["1"]])
    assert empty.count("&nbsp;") == 1
    with pytest.raises(ValueError, match="every row needs 2 cells"):
        readout_html("s", ["a", "b"], [["1"]])
