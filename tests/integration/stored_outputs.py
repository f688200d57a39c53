"""nbval's comparison of a notebook run elsewhere (the browser walk's JupyterLab) with the
committed notebook: the same cell options (``nbval-ignore-output``, ``nbval-skip`` ... as tags
or comments), the same stream coalescing and the same fields left out (metadata, execution
counts, images, widget model ids), read from nbval itself where it exposes them."""

from __future__ import annotations

import difflib
import json

import nbformat
from nbval.plugin import (
    coalesce_streams,
    find_comment_markers,
    find_metadata_tags,
    transform_streams_for_comparison,
)

#: What nbval leaves out of a comparison (``IPyNbFile.skip_compare``, which nbval sets up per
#: collected file; without ``--nbdime`` the images too).
SKIPPED = ("metadata", "traceback", "prompt_number", "output_type", "name",
           "execution_count", "application/vnd.jupyter.widget-view+json", "image/png",
           "image/jpeg")


def _checked(cell) -> bool:
    options = {"check": True, "skip": False}
    options.update(find_comment_markers(cell.source))
    options.update(find_metadata_tags(cell.metadata))
    return options["check"] and not options["skip"] and cell.execution_count is not None


def _flatten(outputs) -> dict:
    """Output values by key (a MIME type, or a stream's name), in order, as nbval keys them."""
    flat = {}
    for output in transform_streams_for_comparison(coalesce_streams(outputs)):
        for key, value in output.items():
            if key in SKIPPED:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in SKIPPED:
                        flat.setdefault(mime, []).append(data)
            else:
                flat.setdefault(key, []).append(value)
    return flat


def differing_cells(stored, ran) -> list[str]:
    """The cells whose outputs nbval would call different, each as a short report.

    Parameters
    ----------
    stored : nbformat.NotebookNode
        The committed notebook (its outputs are the reference).
    ran : dict
        The same notebook after a run, as nbformat JSON (JupyterLab's ``model.toJSON()``).

    Returns
    -------
    list of str
        Empty when every checked cell's outputs match.
    """
    ran = nbformat.reads(json.dumps(ran), as_version=4)
    stored_cells = [c for c in stored.cells if c.cell_type == "code"]
    ran_cells = [c for c in ran.cells if c.cell_type == "code"]
    if [c.source for c in stored_cells] != [c.source for c in ran_cells]:
        return ["the code cells differ from the committed notebook's"]
    reports = []
    for i, (ref, run) in enumerate(zip(stored_cells, ran_cells)):
        if not _checked(ref):
            continue
        want, got = _flatten(ref.outputs), _flatten(run.outputs)
        if want != got:
            reports.append(f"code cell {i}: {_first_difference(want, got)}")
    return reports


def _first_difference(want: dict, got: dict) -> str:
    if want.keys() != got.keys():
        return f"output fields {sorted(want)} stored, {sorted(got)} from the run"
    for key in want:
        if len(want[key]) != len(got[key]):
            return f"{len(want[key])} {key} outputs stored, {len(got[key])} from the run"
        for a, b in zip(want[key], got[key]):
            lines = difflib.unified_diff(str(a).splitlines(), str(b).splitlines(), "stored",
                                         "ran", n=0, lineterm="")
            if a != b:
                return f"{key}:\n" + "\n".join(line[:200] for line in list(lines)[:12])
    return "?"
