"""The browser walk's comparison of a run with the stored outputs (tests/integration/
stored_outputs.py) follows nbval's rules: what it reports, and what it leaves out."""

import copy
import json
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from stored_outputs import differing_cells  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "01_contexts_and_the_expectation_operator.ipynb"


def _stored():
    return nbformat.read(NOTEBOOK, as_version=4), json.loads(NOTEBOOK.read_text())


def _code(raw, check):
    """The code cells of ``raw`` with a stream output, checked by nbval or not."""
    return [c for c in raw["cells"] if c["cell_type"] == "code"
            and any(o["output_type"] == "stream" for o in c["outputs"])
            and ("nbval-ignore-output" not in c["metadata"].get("tags", [])) == check]


def test_the_stored_notebook_matches_itself():
    stored, raw = _stored()
    assert differing_cells(stored, raw) == []


def test_a_changed_number_is_reported_with_its_line():
    stored, raw = _stored()
    ran = copy.deepcopy(raw)
    cell = _code(ran, True)[0]
    stream = next(o for o in cell["outputs"] if o["output_type"] == "stream")
    text = "".join(stream["text"])
    digit = next(ch for ch in text if ch.isdigit())
    stream["text"] = text.replace(digit, str((int(digit) + 1) % 10), 1)
    (report,) = differing_cells(stored, ran)
    assert "stdout" in report and "-" + text.splitlines()[0][:40] in report


def test_execution_counts_images_and_split_streams_are_not_compared():
    stored, raw = _stored()
    ran = copy.deepcopy(raw)
    for cell in ran["cells"]:
        if cell["cell_type"] != "code":
            continue
        cell["execution_count"] = (cell["execution_count"] or 0) + 7
        for output in cell["outputs"]:
            if "image/png" in output.get("data", {}):
                output["data"]["image/png"] = "iVBORw0KGgo="
        streams = [o for o in cell["outputs"] if o["output_type"] == "stream"]
        if streams:          # one stream in two messages, as a kernel may send it
            text = "".join(streams[0]["text"])
            half = len(text) // 2
            streams[0]["text"] = text[:half]
            at = cell["outputs"].index(streams[0])
            cell["outputs"].insert(at + 1, {"output_type": "stream", "name": streams[0]["name"],
                                            "text": text[half:]})
    assert differing_cells(stored, ran) == []


def test_a_changed_source_is_reported():
    stored, raw = _stored()
    ran = copy.deepcopy(raw)
    _code(ran, True)[0]["source"] = "print('something else')"
    assert differing_cells(stored, ran) == ["the code cells differ from the committed "
                                            "notebook's"]
