"""Sphinx configuration of the static book (``python3 tools/maintain.py book`` runs Sphinx with it).

The source folder is the repository root: the book's pages are ``book/index.md`` (title page
and table of contents), every ``notebooks/*.ipynb`` with its stored outputs (myst-nb, never
executed) and ``docs/THEORY.md`` and ``docs/INSTRUCTORS.md`` (and the benchmark table the
guide links to), so that the relative links
between them work as they do in the repository. ``tasks.py`` sets
``CONTEXTURE_LAB_BOOK_STATIC`` to the folder that holds MathJax from npm (the book serves it
itself: nothing is fetched from the internet, neither at build time nor by a reader's browser)
and ``CONTEXTURE_LAB_BOOK_EXPLORERS`` to the folder where the lab's explorers were exported
(``book/notebook_pages.py`` puts them on the pages of notebooks 04-06, with ``book/static/``'s
script; every notebook page also links its ``.ipynb`` and Binder).
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

project = "contexture_lab"
author = "The contexture_lab authors"
copyright = "2026, The contexture_lab authors"

root_doc = "book/index"
include_patterns = ["book/index.md", "notebooks/*.ipynb", "docs/THEORY.md",
                    "docs/INSTRUCTORS.md", "benchmarks/RESULTS.md"]
# folders Sphinx would otherwise walk through (the environment alone has 50,000 files)
exclude_patterns = [".venv", "build", "my-lab", "artifacts", "benchmarks/results", ".git",
                    "**/.ipynb_checkpoints", "**/node_modules"]

# sphinx.ext.githubpages: an empty .nojekyll, so that GitHub Pages serves _static/ as it is
extensions = ["myst_nb", "sphinx_book_theme", "sphinx.ext.githubpages", "theory_links",
              "notebook_pages"]

# notebooks: the stored outputs as they are, never executed
nb_execution_mode = "off"
# the explorers' widgets need a kernel: the book shows their text fallback, and loads no
# widget JavaScript from a CDN
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_ipywidgets_js = {}
myst_enable_extensions = ["dollarmath", "amsmath"]
# $$...$$ inside a paragraph is display math, as in JupyterLab (notebook 03 has such)
myst_dmath_double_inline = True
# an explicit link to a heading resolves too: [§5](../docs/THEORY.md#5-association-strength)
myst_heading_anchors = 3

# MathJax 3 from npm, copied into the book (mathjax_path is relative to _static/)
_static = os.environ.get("CONTEXTURE_LAB_BOOK_STATIC")
if not _static or not (Path(_static) / "mathjax" / "tex-chtml.js").is_file():
    raise RuntimeError("CONTEXTURE_LAB_BOOK_STATIC must name the folder with mathjax/"
                       "tex-chtml.js (python3 tools/maintain.py book prepares it); found "
                       f"{_static!r}")
mathjax_path = "mathjax/tex-chtml.js"
# the explorers of notebooks 04-06, exported by the lab's Python before Sphinx runs
# (python -m contexture_lab.widgets.book), and the page script that shows them
_explorers = os.environ.get("CONTEXTURE_LAB_BOOK_EXPLORERS")
if not _explorers or not (Path(_explorers) / "explorers").is_dir():
    raise RuntimeError("CONTEXTURE_LAB_BOOK_EXPLORERS must name the folder with explorers/ "
                       f"(python3 tools/maintain.py book prepares it); found {_explorers!r}")
html_static_path = [_static, _explorers, str(HERE / "static")]

html_theme = "sphinx_book_theme"
html_title = "contexture_lab"
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    # one search field (the sidebar's), no second one in a header bar above the page
    "navbar_persistent": [],
}
# the site's root index.html: a redirect to the title page (book/index.html)
html_extra_path = ["_root"]

# ---------------------------------------------------------------------- API reference
# book/api.md: one autosummary page per public module (book/_templates/autosummary), the
# numpydoc sections read by napoleon. The package is imported from this checkout with its
# heavy dependencies mocked (the book's tooling does not install numpy, torch, ...).
# nitpicky: every :func:/:class:/... reference in a docstring must resolve, and -W (tasks.py)
# turns a broken one into a failed build; references into numpy, scipy, torch, ... are not
# checked (the book is built offline, without their inventories).
sys.path.insert(0, str(HERE.parent))
extensions += ["sphinx.ext.autodoc", "sphinx.ext.autosummary", "sphinx.ext.napoleon"]
include_patterns += ["book/api.md", "book/api/*.rst"]
# absolute: autosummary reads templates_path from the source folder, Sphinx from book/
templates_path = [str(HERE / "_templates")]
autosummary_generate = True
autosummary_ignore_module_all = True
autodoc_mock_imports = ["numpy", "scipy", "torch", "sklearn", "matplotlib", "matplotlib_inline",
                        "ipympl", "ipywidgets", "IPython", "traitlets", "tqdm", "networkx",
                        "onnx", "transformers", "safetensors", "threadpoolctl", "PIL"]
autodoc_typehints = "none"
autodoc_member_order = "bysource"
# signatures show defaults as written (labels=METRIC_LABELS), not their values
autodoc_preserve_defaults = True
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
# types are prose ("array-like, shape (n, p)"), shown as written, not cross-referenced
napoleon_use_param = False
napoleon_custom_sections = [("Attributes", "params_style")]
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|np|scipy|sp|torch|nn|sklearn|matplotlib|plt|ipywidgets|IPython"
               r"|traitlets|networkx|pathlib|typing|collections)\b.*"),
]


def _no_inline_attribute_type(app, what, name, obj, options, lines):
    """napoleon reads the first line of a constant's or property's docstring as ``type:
    description`` when it has a colon ("Knobs that sweeps turn (...): knob name -> ...");
    the lab's attribute docstrings are prose, so the colon becomes a dash before napoleon
    (priority 500) sees it."""
    if what in ("attribute", "data", "property") and lines and ": " in lines[0] \
            and not lines[0].lstrip().startswith(":"):
        lines[0] = lines[0].replace(": ", " - ", 1)


def setup(app):
    app.connect("autodoc-process-docstring", _no_inline_attribute_type, priority=400)
