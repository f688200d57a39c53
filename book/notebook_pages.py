"""Sphinx extension of the book: each notebook page offers the notebook, and runs its explorer.

- At the top of every notebook page, a line with a download link of the ``.ipynb`` (copied
  next to the page) and a link that opens the notebook on Binder: the README's badge target
  (``https://mybinder.org/v2/gh/<owner>/<name>/<ref>``), with the notebook's path.
- Where a notebook's explorer has been exported (``CONTEXTURE_LAB_BOOK_EXPLORERS`` names the
  folder; ``python -m contexture_lab.widgets.book`` writes ``<notebook>.js`` and the panel
  images there), a ``<div class="cl-explorer">`` follows the explorer cell's output and the page
  loads the data and ``explorer.js``, which fills it with the controls, the panels and the
  readout of every grid point. The cell's code stays; its text output ("it needs a running
  Python kernel") stays for readers without JavaScript, and the script hides it.

An explorer cell that cannot be found on a page whose notebook has an exported explorer is
a warning (the book's build treats warnings as errors).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
#: The Binder badge's target in the README: the one place that names the repository.
BINDER = re.compile(r"\((https://mybinder\.org/v2/gh/[^?)\s]+)\?urlpath=")
#: The first words of an explorer's text output (contexture_lab.widgets.base.offline_text).
OFFLINE = "[Interactive "
#: Where the exported explorers lie inside the book's _static/.
STATIC_FOLDER = "explorers"


def binder_base() -> str:
    """``https://mybinder.org/v2/gh/<owner>/<name>/<ref>`` from the README's badge."""
    match = BINDER.search((ROOT / "README.md").read_text(encoding="utf-8"))
    if match is None:
        raise RuntimeError("README.md has no Binder badge (https://mybinder.org/v2/gh/...)")
    return match.group(1)


def binder_url(stem: str) -> str:
    """The link that opens notebook ``stem`` on Binder, in JupyterLab."""
    return f"{binder_base()}?urlpath=lab/tree/notebooks/{stem}.ipynb"


def explorers_dir() -> Path | None:
    folder = os.environ.get("CONTEXTURE_LAB_BOOK_EXPLORERS")
    return Path(folder) if folder else None


def exported(stem: str) -> bool:
    """Whether notebook ``stem`` has an exported explorer."""
    folder = explorers_dir()
    return folder is not None and (folder / STATIC_FOLDER / f"{stem}.js").is_file()


def _stem(docname: str) -> str | None:
    return docname.split("/", 1)[1] if docname.startswith("notebooks/") else None


def _run_line(stem: str) -> nodes.raw:
    html = (f'<p class="cl-run-notebook">Run this notebook yourself: '
            f'<a class="cl-download" href="{stem}.ipynb" download>download {stem}.ipynb</a>'
            f' or <a class="cl-binder" href="{binder_url(stem)}">open it on Binder</a> '
            '(a kernel in the browser; it takes a minute or two to start).</p>')
    return nodes.raw("", html, format="html")


def on_doctree_resolved(app, doctree, docname) -> None:
    stem = _stem(docname)
    if stem is None:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is not None:
        section.insert(1, _run_line(stem))
    if not exported(stem):
        return
    for block in list(doctree.findall(nodes.literal_block)):
        if not block.astext().startswith(OFFLINE):
            continue
        output = block.parent
        while output is not None and "cell_output" not in output.get("classes", []):
            output = output.parent
        if output is None:
            continue
        # the text output stays for readers without JavaScript; the explorer follows it
        output["classes"].append("cl-explorer-fallback")
        here = output.parent.index(output)
        output.parent.insert(here + 1, nodes.raw(
            "", f'<div class="cl-explorer" data-notebook="{stem}"></div>', format="html"))
        return
    logger.warning("notebook %s has an exported explorer but no explorer cell (an output "
                   "beginning %r)", stem, OFFLINE, location=docname)


def on_page_context(app, pagename, templatename, context, doctree) -> None:
    stem = _stem(pagename)
    if stem is None or not exported(stem):
        return
    app.add_js_file(f"{STATIC_FOLDER}/{stem}.js", loading_method="defer")
    app.add_js_file("explorer.js", loading_method="defer")


def on_build_finished(app, exception) -> None:
    """Each notebook next to its page, for the download link."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "notebooks"
    target.mkdir(parents=True, exist_ok=True)
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy2(notebook, target / notebook.name)


def setup(app):
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("html-page-context", on_page_context)
    app.connect("build-finished", on_build_finished)
    app.add_css_file("explorer.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
