"""The static book as a reader meets it: built, served on loopback, read in headless Chromium.

``python3 tools/maintain.py book DIR`` (the documented command) builds the book into a temporary
folder; a loopback HTTP server serves it and Chromium (Debian's, through Playwright, as in
test_browser.py) opens every page, with every request that leaves the server refused and
recorded. Then: every page loads without a script error or a missing file (a style sheet,
a script, a font, an image) and the book fetches nothing from outside; the table of contents
lists every notebook and the docs; no internal link is broken
(the file exists, the #anchor is an id on that page); MathJax typeset the math (no raw
``$...$`` or ``\\(...\\)`` left in the text, no MathJax error); each notebook page shows, as
loaded images, as many figures as the notebook stores image outputs; each "THEORY.md section
N" of a notebook links to the digest's heading "N. ...".

Each notebook page links its ``.ipynb`` (the file itself, served next to the page) and
Binder (the README's badge target with that notebook's path).

The explorers of notebooks 04-06 (``contexture_lab.widgets.book``): in the page, every
control is moved to at least three of its values (sliders with the keyboard: Home, End and
arrow keys), and after each move the readout's text equals that of the lab's own explorer
set to the same values in this process, and the panels shown, laid side by side, are the
explorer's figure pixel for pixel (and differ from before the move). Apart from the
browser, every grid point's exported readout and panels are compared with the explorer's.
Measured and printed, never asserted: the time until each explorer answers (time to
interactive, from the navigation's start) and from a key press or click to the next frame
with the new readout and decoded panels. Each explorer adds at most 10 MB to the book.

Needs the book's tooling in build/book-tools/ (``python3 tools/maintain.py book`` or
``tasks.py test`` installs it) and Chromium; skipped, saying which is missing, without them.
A screenshot of each page goes to ``artifacts/book/`` (git-ignored), and of each explorer
before and after each move (``explorer-NN-*.png``), with the measurements in
``explorers.json``.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import itertools
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
#: The build (s), explorers' export included (about 50 s of CPU; 85-150 s on 2 cores shared
#: with seven other jobs): a guard against a hang, a few times what it takes there.
BUILD_TIMEOUT = 480


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
        "python3 tools/maintain.py book, or python3 tasks.py test, installs it")),
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
    download: [...document.querySelectorAll('p.cl-run-notebook a.cl-download')]
                .map(a => a.href),
    binder: [...document.querySelectorAll('p.cl-run-notebook a.cl-binder')].map(a => a.href),
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
def served(tmp_path_factory):
    """Build the book with the documented command and serve it on loopback."""
    out = tmp_path_factory.mktemp("book")
    start = time.monotonic()
    subprocess.run([sys.executable, str(ROOT / "tools" / "maintain.py"), "book", str(out)],
                   check=True, cwd=ROOT, timeout=BUILD_TIMEOUT)
    built = time.monotonic() - start
    html = out / "html"
    port = free_port()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(_Quiet, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"\nbook: built in {built:.0f} s")
    try:
        yield {"out": out, "html": html, "origin": f"http://127.0.0.1:{port}", "built": built}
    finally:
        server.shutdown()
        server.server_close()


def offline_context(playwright, profile: Path, origin: str, outside: list):
    """A Chromium context that refuses (and records) every request off the book's server."""
    context = launch_chromium(playwright, profile)

    def route(request_route):
        if request_route.request.url.startswith(origin + "/"):
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    return context


@pytest.fixture(scope="module")
def book(served):
    """Read every page of the served book in Chromium."""
    from playwright.sync_api import sync_playwright

    out, html, origin = served["out"], served["html"], served["origin"]
    start = time.monotonic()
    files = sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                   if not p.relative_to(html).parts[0].startswith("_"))
    pages, outside = {}, []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = offline_context(playwright, out / "chromium-profile", origin, outside)
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
    print(f"\nbook: {len(pages)} pages read in {time.monotonic() - start:.0f} s")
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


def test_every_notebook_page_offers_the_notebook_and_binder(book):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badge = re.search(r"\]\((https://mybinder\.org/v2/gh/[^?)\s]+)\?urlpath=", readme).group(1)
    for notebook in NOTEBOOKS:
        page = book["pages"][page_of(notebook)]
        assert page["download"] == [f"{book['origin']}/notebooks/{notebook.name}"], page["download"]
        served_copy = book["html"] / "notebooks" / notebook.name
        assert served_copy.read_bytes() == notebook.read_bytes(), notebook.name
        assert page["binder"] == [f"{badge}?urlpath=lab/tree/notebooks/{notebook.name}"], \
            page["binder"]


# ---------------------------------------------------------------------- the explorers
#: Moves in the page record the time of the first key press, click or change after a reset.
_LISTEN = """root => {
  window.__clT0 = null;
  for (const type of ['keydown', 'pointerdown', 'input', 'change']) {
    root.addEventListener(type, e => {
      if (window.__clT0 === null) window.__clT0 = e.timeStamp;
    }, true);
  }
}"""

#: After a move: wait for the panels to decode and the next frame; what the page shows.
_SETTLE = """async root => {
  const images = [...root.querySelectorAll('img[data-region]')];
  await Promise.all(images.map(i => i.decode().catch(() => null)));
  await new Promise(r => requestAnimationFrame(() => r()));
  const latency = window.__clT0 === null ? null : performance.now() - window.__clT0;
  return {
    latency: latency,
    state: JSON.parse(root.dataset.state),
    readout: root.querySelector('.cl-readout').textContent,
    sources: images.map(i => i.src),
    disabled: [...root.querySelectorAll('[data-control]')]
      .filter(c => c.querySelector('input, select, button').disabled)
      .map(c => c.dataset.control),
  };
}"""

#: The text a readout's HTML reads as in this browser.
_AS_TEXT = """html => { const d = document.createElement('div'); d.innerHTML = html;
                       return d.textContent; }"""


def exported_data(html: Path, notebook: str) -> dict:
    """The data file the page reads for ``notebook``'s explorer, as a dict."""
    text = (html / "_static" / "explorers" / f"{notebook}.js").read_text(encoding="utf-8")
    return json.loads(re.search(r"= Object\.assign\((\{.*\}), \{base:", text, re.DOTALL).group(1))


def compose(html: Path, data: dict, files: list):
    """The region images ``files`` (paths under the book) laid out as the page lays them."""
    import numpy as np
    from PIL import Image

    out = np.zeros((data["height"], data["width"], 3), dtype=np.uint8)
    for region, file in zip(data["regions"], files):
        image = np.asarray(Image.open(html / file).convert("RGB"))
        assert image.shape == (region["h"], region["w"], 3), (file, image.shape, region)
        out[region["y"]:region["y"] + region["h"], region["x"]:region["x"] + region["w"]] = image
    return out


def moves(control: dict) -> list:
    """Option indices to move a control to: three different ones (the first, the last and
    the middle; with two options, both and back), never ending where it starts."""
    n, start = len(control["values"]), control["index"]
    if n < 3:
        return [(start + 1 + k) % n for k in range(3)]
    wanted = list(dict.fromkeys([0, n - 1, n // 2]))
    if start in wanted:    # the start in the middle: the first and last moves leave it
        wanted.remove(start)
        wanted.insert(1, start)
    return wanted


@pytest.fixture(scope="module")
def kernels():
    """The lab's own explorers of the book's notebooks, in this process, drawn as the
    export draws them."""
    from contexture_lab.widgets import book as book_export

    return {nb: book_export.prepare(book_export.book_explorer(nb))
            for nb in book_export.BOOK_EXPLORERS}


def set_kernel(explorer, state: dict):
    """Put the lab explorer at the page's option indices; its readout and pixels."""
    from contexture_lab.widgets import book as book_export

    explorer.update(**{name: book_export.control_options(explorer.controls[name])[i][1]
                       for name, i in state.items()})
    return explorer.readout.value, book_export.frame(explorer)


def move_control(page, handle, data: dict, steps: list, name: str, target: int) -> None:
    """Move one control of the explorer ``handle`` to option ``target`` as a reader does
    (a slider with the keyboard: Home, End or arrow keys; a drop-down; a button) and append
    what the page then shows to ``steps``."""
    control = next(c for c in data["controls"] if c["name"] == name)
    box = handle.query_selector(f'[data-control="{name}"]')
    if control["kind"] == "slider":
        now, last = steps[-1]["state"][name], len(control["values"]) - 1
        keys = (["Home"] if target == 0 else ["End"] if target == last else
                ["ArrowRight" if target > now else "ArrowLeft"] * abs(target - now))
        box.query_selector("input").focus()
        for key in keys[:-1]:
            page.keyboard.press(key)
        page.evaluate("window.__clT0 = null")
        page.keyboard.press(keys[-1])
    elif control["kind"] == "select":
        page.evaluate("window.__clT0 = null")
        box.query_selector("select").select_option(str(target))
    else:
        page.evaluate("window.__clT0 = null")
        box.query_selector(f'button[data-index="{target}"]').click()
    steps.append(dict(page.evaluate(_SETTLE, handle), move=f"{name} -> {target}"))


@pytest.fixture(scope="module")
def explorer_runs(served, kernels):
    """Each explorer page: every control moved to three values in Chromium, what the page
    and the lab's explorer showed after each move, and the times."""
    from playwright.sync_api import sync_playwright

    html, origin = served["html"], served["origin"]
    runs, outside = {}, []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = offline_context(playwright, served["out"] / "explorer-profile", origin,
                                  outside)
        for notebook, explorer in kernels.items():
            data = exported_data(html, notebook)
            page = context.new_page()
            errors = []
            page.on("pageerror", functools.partial(lambda found, error: found.append(str(error)),
                                                   errors))
            page.goto(f"{origin}/notebooks/{notebook}.html", wait_until="load")
            root = page.locator("div.cl-explorer")
            root.wait_for(state="attached")
            page.wait_for_function("document.querySelector('div.cl-explorer').dataset.preloaded",
                                   timeout=60_000)
            ready = float(root.get_attribute("data-ready"))
            root.scroll_into_view_if_needed()
            short = notebook[:2]
            root.screenshot(path=str(ARTIFACTS / f"explorer-{short}-before.png"))
            handle = root.element_handle()
            page.evaluate(_LISTEN, handle)
            steps = [dict(page.evaluate(_SETTLE, handle), move="start")]

            act = functools.partial(move_control, page, handle, data, steps)

            for control in data["controls"]:
                name = control["name"]
                if name in steps[-1]["disabled"]:
                    # a control that only some settings use (the mixing explorer's weight
                    # and depth): switch the buttons until it is enabled
                    other = next(c for c in data["controls"] if c["kind"] == "toggle")
                    for i in range(len(other["values"])):
                        act(other["name"], i)
                        if name not in steps[-1]["disabled"]:
                            break
                for target in moves(dict(control, index=steps[-1]["state"][name])):
                    act(name, target)
                root.screenshot(path=str(ARTIFACTS / f"explorer-{short}-after-{name}.png"))
            for step in steps:
                readout, pixels = set_kernel(explorer, step["state"])
                step["kernel_readout"] = page.evaluate(_AS_TEXT, readout)
                step["kernel_disabled"] = sorted(
                    n for n, w in explorer.controls.items() if getattr(w, "disabled", False))
                files = [urlsplit(s).path.lstrip("/") for s in step.pop("sources")]
                step["files"] = files
                step["matches_figure"] = bool((compose(html, data, files) == pixels).all())
            runs[notebook] = {"ready_ms": ready, "steps": steps, "errors": errors,
                              "data": data}
            page.close()
        context.close()
    report = {nb: {"time_to_interactive_ms": r["ready_ms"],
                   "update_ms": [round(s["latency"], 1) for s in r["steps"][1:]],
                   "moves": [s["move"] for s in r["steps"][1:]]} for nb, r in runs.items()}
    (ARTIFACTS / "explorers.json").write_text(json.dumps(report, indent=1))
    for nb, r in report.items():
        lat = sorted(r["update_ms"])
        print(f"{nb}: interactive {r['time_to_interactive_ms']:.0f} ms after navigation; "
              f"{len(lat)} moves, update median {lat[len(lat) // 2]:.0f} ms, max {lat[-1]:.0f} ms")
    return {"runs": runs, "outside": outside}


def test_explorers_move_without_kernel_or_network(explorer_runs):
    assert explorer_runs["outside"] == [], explorer_runs["outside"][:5]
    for notebook, run in explorer_runs["runs"].items():
        assert run["errors"] == [], (notebook, run["errors"])
        assert run["ready_ms"] > 0


def test_every_control_moves_to_three_values(explorer_runs):
    for notebook, run in explorer_runs["runs"].items():
        for control in run["data"]["controls"]:
            seen = {s["state"][control["name"]] for s in run["steps"]
                    if s["move"].startswith(control["name"] + " ->")}
            assert len(seen) >= min(3, len(control["values"])), (notebook, control["name"], seen)


def test_readout_is_the_kernels_after_every_move(explorer_runs):
    for notebook, run in explorer_runs["runs"].items():
        for step in run["steps"]:
            assert step["readout"] == step["kernel_readout"], (notebook, step["move"])
            assert sorted(step["disabled"]) == step["kernel_disabled"], (notebook, step["move"])


def test_panels_are_the_kernels_figure_and_change(explorer_runs):
    for notebook, run in explorer_runs["runs"].items():
        steps = run["steps"]
        for step in steps:
            assert step["matches_figure"], (notebook, step["move"], step["files"])
        for before, after in itertools.pairwise(steps):
            if after["state"] != before["state"]:
                assert after["files"] != before["files"], (notebook, after["move"])


def without_index(controls: list) -> list:
    return [{k: v for k, v in c.items() if k != "index"} for c in controls]


def lookup(names: list, item: dict, state: tuple):
    """What the page shows for ``item`` (readout, a region) at option indices ``state``."""
    key = ",".join(str(state[names.index(n)]) for n in item["controls"])
    return item["values"][item["table"][key]]


def test_every_grid_point_is_exported_as_the_explorer_shows_it(served, kernels):
    """Off the browser: the whole grid of each explorer, the exported readout HTML and
    panels against the lab's explorer at that point."""
    from contexture_lab.widgets import book as book_export

    html = served["html"]
    for notebook, explorer in kernels.items():
        data = exported_data(html, notebook)
        # the page offers the widget's controls with every option (the start may differ:
        # other tests moved this explorer)
        assert without_index(data["controls"]) == without_index(
            book_export.describe_controls(explorer))
        names = [c["name"] for c in data["controls"]]
        look = functools.partial(lookup, names)
        grid = list(itertools.product(*(range(len(c["values"])) for c in data["controls"])))
        for state in grid:
            readout, pixels = set_kernel(explorer, dict(zip(names, state)))
            assert look(data["readout"], state) == readout, (notebook, state)
            files = [f"_static/explorers/{notebook}/{look(r, state)}" for r in data["regions"]]
            assert (compose(html, data, files) == pixels).all(), (notebook, state)


def test_each_explorer_adds_at_most_10_mb(served):
    from contexture_lab.widgets import book as book_export

    static = served["html"] / "_static" / "explorers"
    for notebook in book_export.BOOK_EXPLORERS:
        size = (static / f"{notebook}.js").stat().st_size + sum(
            p.stat().st_size for p in (static / notebook).iterdir())
        assert size <= 10 * 2**20, (notebook, size)
