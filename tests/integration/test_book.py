"""The static book as a reader meets it: built, served on loopback, read in headless Chromium.

``python3 tasks.py book DIR`` (the documented command) builds the book into a temporary
folder; a loopback HTTP server serves it and Chromium (Debian's, through Playwright, as in
test_browser.py) opens every page, with every request that leaves the server refused and
recorded. Then: every page loads without a script error or a missing file (a style sheet,
a script, a font, an image) and the book fetches nothing from outside; the table of contents
lists every notebook and the docs; no internal link is broken
(the file exists, the #anchor is an id on that page); MathJax typeset the math (no raw
``$...$`` or ``\\(...\\)`` left in the text, no MathJax error); each notebook page shows, as
loaded images, as many figures as the notebook stores image outputs; each "THEORY.md section
N" of a notebook links to the digest's heading "N. ...".

Needs the book's tooling in build/book-tools/ (``python3 tasks.py book`` or ``tasks.py test``
installs it) and Chromium; skipped, saying which is missing, without them. A screenshot of
each page goes to ``artifacts/book/`` (git-ignored).
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from jupyter_browser import CHROMIUM, free_port, launch_chromium

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ARTIFACTS = ROOT / "artifacts" / "book"
#: The build and the browser pass together (s): a few times what they take on 2 busy cores.
BUILD_TIMEOUT = 300


def load_tasks():
    spec = importlib.util.spec_from_file_location("contexture_lab_tasks", ROOT / "tasks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TASKS = load_tasks()

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason=(
        f"{CHROMIUM} not found: install Debian's chromium (python3 tasks.py test does it "
        "when run as root) or set CONTEXTURE_LAB_CHROMIUM to read the book in a browser")),
    pytest.mark.skipif(not TASKS.book_tools_ready(), reason=(
        "the book's tooling is not installed in build/book-tools/ (or its pins changed): "
        "python3 tasks.py book, or python3 tasks.py test, installs it")),
]

#: Collected on each page once MathJax is done: ids, links, text outside code and math,
#: MathJax's output, the notebook's output images, the links into THEORY.md.
_COLLECT = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const main = document.querySelector('main') || document.body;
  const skip = 'pre, code, script, style, mjx-container, .highlight';
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  const text = [];
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (parent && !parent.closest(skip)) text.push(walker.currentNode.textContent);
  }
  return {
    title: document.title,
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
    toc: [...document.querySelectorAll('main .toctree-wrapper a.reference')]
           .map(a => ({href: a.href, text: a.textContent.trim()})),
    text: text.join(''),
    math: document.querySelectorAll('mjx-container').length,
    math_errors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent),
    images: [...document.querySelectorAll('main .cell_output img')]
              .map(i => ({src: i.src, loaded: i.complete && i.naturalWidth > 0})),
    theory: [...document.querySelectorAll('a.theory-link')]
              .map(a => ({href: a.href, text: a.textContent})),
    headings: Object.fromEntries([...document.querySelectorAll('section[id]')].map(
      s => [s.id, (s.querySelector('h1, h2, h3, h4') || {}).textContent || ''])),
  };
}"""


def _notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def stored_figures(path: Path) -> int:
    """The image outputs a notebook stores (an output with PNG and SVG is one figure)."""
    return sum(1 for cell in _notebook(path)["cells"] for output in cell.get("outputs", [])
               if any(key.startswith("image/") for key in output.get("data", {})))


def markdown(path: Path) -> str:
    return "\n".join("".join(cell["source"]) for cell in _notebook(path)["cells"]
                     if cell["cell_type"] == "markdown")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """Build the book with the documented command; serve it; read every page in Chromium."""
    from playwright.sync_api import sync_playwright

    out = tmp_path_factory.mktemp("book")
    start = time.monotonic()
    subprocess.run([sys.executable, str(ROOT / "tasks.py"), "book", str(out)], check=True,
                   cwd=ROOT, timeout=BUILD_TIMEOUT)
    built = time.monotonic() - start
    html = out / "html"
    port = free_port()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(_Quiet, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{port}"
    files = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                   if not p.relative_to(html).parts[0].startswith("_"))
    pages, outside = {}, []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            context = launch_chromium(playwright, out / "chromium-profile")

            def route(request_route):
                if request_route.request.url.startswith(origin + "/"):
                    request_route.continue_()
                else:
                    outside.append(request_route.request.url)
                    request_route.abort()

            context.route("**/*", route)
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            # a file of the book that a page asks for and the server does not have
            page.on("response", lambda response: errors.append(
                f"{response.status} {response.url}") if response.status >= 400 else None)
            for name in files:
                errors.clear()
                response = page.goto(f"{origin}/{name}", wait_until="load")
                if name == "index.html":   # the root page redirects to the title page
                    page.wait_for_url(f"{origin}/book/index.html", wait_until="load")
                found = page.evaluate(_COLLECT)
                found.update(status=response.status if response else None,
                             errors=list(errors), url=page.url)
                pages[name] = found
                page.screenshot(path=str(ARTIFACTS / (name.replace("/", "__") + ".png")))
            context.close()
    finally:
        server.shutdown()
        server.server_close()
    print(f"\nbook: built in {built:.0f} s, {len(pages)} pages read in "
          f"{time.monotonic() - start - built:.0f} s")
    return {"html": html, "origin": origin, "pages": pages, "outside": outside}


def page_of(notebook: Path) -> str:
    return f"notebooks/{notebook.stem}.html"


def test_every_page_loads_offline(book):
    pages = book["pages"]
    expected = ({"index.html", "book/index.html", "docs/THEORY.html", "docs/INSTRUCTORS.html"}
                | {page_of(nb) for nb in NOTEBOOKS})
    assert expected <= set(pages), f"pages missing from the book: {expected - set(pages)}"
    bad = {name: (p["status"], p["errors"]) for name, p in pages.items()
           if p["status"] != 200 or p["errors"]}
    assert not bad, f"pages that failed to load, raised a script error or missed a file: {bad}"
    assert book["outside"] == [], f"the book fetched from outside: {book['outside'][:5]}"
    # the root index.html sends a reader to the title page
    assert pages["index.html"]["url"].endswith("/book/index.html")


def test_ready_for_github_pages(book):
    # GitHub Pages' Jekyll step would drop the folders whose names begin with "_"
    assert (book["html"] / ".nojekyll").is_file()
    assert (book["html"] / "_static" / "mathjax" / "tex-chtml.js").is_file()


def test_table_of_contents_lists_every_notebook_and_the_docs(book):
    origin = book["origin"]
    toc = book["pages"]["book/index.html"]["toc"]
    hrefs = [entry["href"].removeprefix(origin + "/") for entry in toc]
    wanted = [page_of(nb) for nb in NOTEBOOKS] + ["docs/THEORY.html", "docs/INSTRUCTORS.html"]
    assert [h for h in hrefs if h in wanted] == wanted, hrefs
    for entry, notebook in zip(toc, NOTEBOOKS):
        assert entry["text"].startswith(f"Notebook {notebook.name[:2]}:"), entry


def test_no_broken_internal_link(book):
    html, origin, pages = book["html"], book["origin"], book["pages"]
    broken = []
    for name, page in pages.items():
        for link in page["links"]:
            if not link.startswith(origin + "/"):
                continue   # a link out of the book (a paper, a tool's site): not ours to check
            parts = urlsplit(link)
            target = unquote(parts.path).lstrip("/") or "index.html"
            if target.endswith("/"):
                target += "index.html"
            if not (html / target).is_file():
                broken.append((name, link, "no such file"))
            elif parts.fragment and target in pages and \
                    unquote(parts.fragment) not in pages[target]["ids"]:
                broken.append((name, link, "no such anchor"))
    assert not broken, f"{len(broken)} broken internal links, e.g. {broken[:5]}"


#: Math TeX that MathJax did not typeset: $...$, $$...$$, \(...\), \[...\].
RAW_MATH = re.compile(r"\$[^$\s][^$]*\$|\\\(|\\\[")


def test_math_is_rendered(book):
    pages = book["pages"]
    raw = {name: RAW_MATH.findall(p["text"])[:3] for name, p in pages.items()
           if RAW_MATH.search(p["text"])}
    assert not raw, f"raw TeX left in the text: {raw}"
    errors = {name: p["math_errors"] for name, p in pages.items() if p["math_errors"]}
    assert not errors, f"MathJax errors: {errors}"
    for notebook in NOTEBOOKS:
        if "$" in markdown(notebook):
            assert pages[page_of(notebook)]["math"] > 0, f"{notebook.name}: no math typeset"


def test_every_stored_figure_is_shown(book):
    for notebook in NOTEBOOKS:
        images = book["pages"][page_of(notebook)]["images"]
        assert len(images) == stored_figures(notebook), (notebook.name, images)
        assert all(image["loaded"] for image in images), (notebook.name, images)
    assert sum(stored_figures(nb) for nb in NOTEBOOKS) > 0


#: The commonest form of a citation of the digest: "THEORY.md section 5", "`THEORY.md` §3".
CITATION = re.compile(r"THEORY(?:\.md)?`?\s+(?:section\s+|§\s*)(\d+)")


def test_theory_citations_link_to_their_sections(book):
    pages = book["pages"]
    headings = pages["docs/THEORY.html"]["headings"]
    cited = 0
    for notebook in NOTEBOOKS:
        links = pages[page_of(notebook)]["theory"]
        for link in links:
            target = urlsplit(link["href"])
            assert target.path == "/docs/THEORY.html", link
            number = re.search(r"\d+", link["text"]).group(0)
            heading = headings.get(unquote(target.fragment), "")
            assert heading.startswith(f"{number}."), (notebook.name, link, heading)
        wanted = set(CITATION.findall(markdown(notebook)))
        linked = {re.search(r"\d+", link["text"]).group(0) for link in links}
        assert wanted <= linked, (notebook.name, wanted - linked)
        cited += len(wanted)
    assert cited > 0
