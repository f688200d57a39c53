"""The lab as a student lives in it: JupyterLab in a real (headless) Chromium.

One JupyterLab server reads the lab's own configuration (``jupyter-config/``, as ``tasks.py
lab`` and Binder do) and serves a temporary working copy (``CONTEXTURE_LAB_WORKSPACE``) of
``notebooks/`` and ``docs/`` (the committed notebooks are never touched):

- **a walk through the sequence** (``test_walk_through_every_notebook``): every notebook in
  ``notebooks/`` is opened, run from the menus, checked and closed with its tab's close
  button, one after another, as a student goes through the course. The kernels run under
  ``tasks.VARIANT_ENV`` (every cluster of equal singular values rotated at random, one
  thread, AVX2 kernels), a second configuration beside nbval's. For each: every cell
  has run, no output shows an error, the outputs are the stored ones by nbval's rules
  (:mod:`stored_outputs`: no printed number depends on a basis the maths leaves open, a
  thread count or a CPU kernel), every widget rendered, every figure loaded with a
  non-zero size (at least as many as the stored outputs hold), a screenshot is stored, and
  closing the tab shuts its kernel down (no session is left). Every explorer (04
  attention, 05 association, 06 mixing, 08 heads) is moved across the whole range of
  every control while its output keeps its height; in 04-06 one step of a slider is also
  checked against the kernel: the explorer received the new value, the readout shows the
  sweep's numbers at that grid point, and the canvas shows the very image the kernel's
  figure holds, and returns to the first one when moved back. In 00 a student types
  ``cl.exercises.reset(...)`` and gets the exercise's starting code in a new cell. The
  server's lab starts with an empty cache of its own (a first visit: every forward pass and
  sweep is computed, the costliest case for memory), and the peak memory of the server with
  its kernels (resident sets summed, polled) must stay under :data:`MEMORY_TARGET`,
  issue 27's budget for Binder's 2 GB; the peaks per notebook, polled and each kernel's own
  (``VmHWM``), are printed and written to ``artifacts/browser/memory.json``. The
  walk is the only run of the notebooks under the second configuration (it replaced a
  second nbval pass) and the only one in a browser.
- **a reset that sticks**: a student edits notebook 00 (the autosave saves it), edits
  again, and runs ``python3 tasks.py reset 00`` in a terminal while the tab is open; the
  next autosave asks "File Changed" instead of saving over the original, later autosaves
  write nothing, the file on disk stays the original, and Revert shows it in the tab;
- **the digest's maths is typeset**: ``docs/THEORY.md`` in the lab's Markdown viewer shows
  MathJax formulas and no MathJax error.

Screenshots go to ``artifacts/browser/`` (git-ignored): ``walk_NN.png`` per notebook,
``walk_NN_explorer<e>_<control>_last.png`` per explorer control, ``NN_before.png`` /
``NN_after.png`` of the checked slider step, ``theory.png``, ``reset_file_changed.png``.
Needs Debian's ``/usr/bin/chromium`` (``python3 tasks.py test`` installs it when it runs as
root) or another Chromium named by ``CONTEXTURE_LAB_CHROMIUM``; skipped without one.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from stored_outputs import differing_cells

import tasks

from jupyter_browser import CHROMIUM, JupyterLab, LabPage, kernel_json, launch_chromium

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} not found: install Debian's chromium or set CONTEXTURE_LAB_CHROMIUM")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "artifacts" / "browser"
#: The target for the whole server (JupyterLab and its kernels), reported by the walk.
MEMORY_TARGET = 1.5e9
#: Seconds between autosaves in these tests (JupyterLab's default is 120).
AUTOSAVE_S = 5


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A student's working copy: notebooks/ and docs/, as tasks.py lab prepares it."""
    ws = tmp_path_factory.mktemp("workspace")
    shutil.copytree(NOTEBOOKS, ws / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(ROOT / "docs", ws / "docs")
    return ws


@pytest.fixture(scope="module")
def lab(workspace, tmp_path_factory):
    server = JupyterLab(workspace, tmp_path_factory.mktemp("jupyter"),
                        settings={"@jupyterlab/docmanager-extension/plugin":
                                  {"autosaveInterval": AUTOSAVE_S}},
                        extra_args=["--LabApp.expose_app_in_browser=True"])
    with pytest.MonkeyPatch.context() as env:
        # an empty cache of the lab's own: the walk's memory is that of a first visit
        env.setenv("CONTEXTURE_LAB_CACHE", str(tmp_path_factory.mktemp("lab-cache")))
        # the kernels run under the second configuration (scrambled bases, one thread, AVX2)
        for name, value in tasks.VARIANT_ENV.items():
            env.setenv(name, value)
        server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        context = launch_chromium(pw, tmp_path_factory.mktemp("chromium-profile"))
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    try:
        yield page
    finally:
        page.close()


# ---------------------------------------------------------------------- reset
def _type_into_first_code_cell(page, text: str) -> None:
    cell = page.locator(".jp-Notebook .jp-CodeCell").first
    cell.locator(".jp-InputArea-editor").click()
    # typing before the editor has the focus would run command-mode shortcuts
    page.wait_for_selector(".jp-Notebook.jp-mod-editMode .jp-CodeCell.jp-mod-active "
                           ".cm-editor.cm-focused")
    page.keyboard.press("Control+End")
    page.keyboard.type(text)
    last = text.strip().splitlines()[-1]
    page.wait_for_function(
        "t => document.querySelector('.jp-Notebook .jp-CodeCell .jp-InputArea-editor')"
        ".innerText.includes(t)", arg=last)
    page.keyboard.press("Escape")


def test_reset_from_a_terminal_survives_the_open_tab_and_its_autosave(lab, workspace, page):
    name = "00_start_here.ipynb"
    on_disk = workspace / "notebooks" / name
    original = (NOTEBOOKS / name).read_bytes()
    nb = LabPage(page, lab, f"notebooks/{name}", timeout_ms=120_000)
    nb.open()
    # the student's work, saved by the autosave; then more work, not saved yet
    _type_into_first_code_cell(page, "\n# my saved note")
    deadline = time.monotonic() + 120
    while b"my saved note" not in on_disk.read_bytes() and time.monotonic() < deadline:
        time.sleep(0.3)
    assert b"my saved note" in on_disk.read_bytes()
    _type_into_first_code_cell(page, "\n# my unsaved note")

    # python3 tasks.py reset 00, in a terminal beside the open tab
    env = {**os.environ, "CONTEXTURE_LAB_WORKSPACE": str(workspace),
           "JUPYTER_RUNTIME_DIR": str(lab.runtime_dir)}
    done = subprocess.run([sys.executable, str(ROOT / "tasks.py"), "reset", "00"], env=env,
                          capture_output=True, text=True, timeout=120, check=True)
    assert "is the original again" in done.stdout
    assert "JupyterLab has it open" in done.stdout, done.stdout
    kept = list((workspace / "backups").glob("00_start_here-*.ipynb"))
    assert len(kept) == 1 and b"my saved note" in kept[0].read_bytes()

    # the next autosave asks instead of saving over the original; later ones write nothing
    dialog = page.locator(".jp-Dialog").filter(has_text="File Changed")
    dialog.first.wait_for(timeout=120_000)
    page.wait_for_timeout(3 * AUTOSAVE_S * 1000)
    assert on_disk.read_bytes() == original
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "reset_file_changed.png")
    # Revert: the tab shows the original, and nothing is written
    dialog.first.locator("button", has_text=re.compile("^Revert$")).click()
    page.wait_for_function(
        "() => !document.querySelector('.jp-Notebook').innerText.includes('my unsaved note')")
    assert "my saved note" not in page.locator(".jp-Notebook").inner_text()
    page.wait_for_timeout(3 * AUTOSAVE_S * 1000)
    assert on_disk.read_bytes() == original


# ---------------------------------------------------------------------- THEORY.md
def test_the_theory_digest_is_typeset_in_the_markdown_viewer(lab, page):
    page.goto(f"http://127.0.0.1:{lab.port}/lab?token={lab.token}&reset")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.restored")
    page.evaluate("async () => { const app = window.jupyterapp; await app.restored; "
                  "await app.commands.execute('docmanager:open', "
                  "{path: 'docs/THEORY.md', factory: 'Markdown Preview'}); }")
    viewer = page.locator(".jp-RenderedMarkdown").last
    viewer.wait_for()
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-RenderedMarkdown mjx-container').length > 100",
        timeout=120_000)
    formulas = page.locator(".jp-RenderedMarkdown mjx-container").count()
    errors = page.locator(".jp-RenderedMarkdown mjx-merror").all_inner_texts()
    assert errors == []
    # no maths left as plain text: the digest's old spellings are gone from the prose
    text = viewer.inner_text()
    for plain in ("s_i^2", "D_X^-1/2", "diag(p_x)^-1", "T*", "k_X+", "rho(f)", "mu_1..mu_d"):
        assert plain not in text, plain
    assert formulas > 300
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "theory.png")


# ---------------------------------------------------------------------- explorers
#: Kernel-side prelude: the notebook's explorer (the variable ``explorer``, else the one
#: Explorer instance in the namespace) and its current control values.
_FIND = """
import json
import numpy as _np
from contexture_lab.widgets.base import Explorer as _E
_ex = globals().get("explorer")
if not isinstance(_ex, _E):
    _ex = [v for v in list(globals().values()) if isinstance(v, _E)][-1]
_st = _ex.state
"""

#: Association explorer: move the knob slider; the readout must show the sweep's numbers.
_ASSOCIATION = _FIND + """
_sw = _ex.sweep
_i, _j, _d = _sw.index(_st[_sw.parameter]), _sw.d_index(_st["d"]), int(_st["d"])
_move = _sw.parameter
print(json.dumps({
    "move": _move, "label": _ex.controls[_move].description, "value": _st[_move],
    "options": list(_ex.controls[_move].options),
    "expect": [f"{_sw.parameter} = {_st[_sw.parameter]}, encoder dimension d = {_d}",
               f"{int(_sw.metrics['n_components'][_i])} "
               f"{_sw.singular_values[_i, 0]:.3f} {_sw.singular_values[_i, _d - 1]:.3f} "
               f"{_sw.probe_error[_i, _j]:.3f}", "components", "probe error"]}))
"""

#: Mixing explorer: move the weight (convex) or the depth (convolution); the readout names
#: the grid point and its mixture row shows the sweep's s_1, sum s_i^2, kernel deviation,
#: tau, decay rate and probe error.
_MIXING = _FIND + """
_sw = _ex.sweep
_op = _st["operation"]
_move = "depth" if _op == "convolution" else "weight"
_value = {"convex": _st["weight"], "convolution": _st["depth"]}.get(_op)
_i = _sw.row(_st["pair"], _op, _value)
_j = _sw.d_index(_st["d"])
_f = lambda x, n=3: f"{x:.{n}f}" if _np.isfinite(x) else "n/a"
_row = [_f(_sw.singular_values[_i, 0]), _f(_sw.metrics["sum_s2"][_i], 1),
        _f(_sw.metrics["kernel_deviation"][_i]), _f(_sw.metrics["tau"][_i]),
        _f(_sw.metrics["decay_rate"][_i]), _f(_sw.probe_error[_i, _j])]
print(json.dumps({
    "move": _move, "label": _ex.controls[_move].description, "value": _st[_move],
    "options": list(_ex.controls[_move].options),
    "expect": [_sw.label(_i), "mixture " + " ".join(_row),
               f"probe error (d = {int(_st['d'])})"]}))
"""


#: The explorer's figure as the kernel rendered it (the Agg buffer ipympl sends).
_KERNEL_IMAGE = _FIND + """
import base64
_buf = _np.asarray(_ex.canvas.buffer_rgba())
print(json.dumps({"shape": list(_buf.shape), "rgba": base64.b64encode(_buf.tobytes()).decode()}))
"""


#: Attention explorer: move the temperature; the readout shows the sweep's temperature,
#: s_1 and probe error at the new grid point.
_ATTENTION = _FIND + """
_sw = _ex.sweep
_i = _sw.index(_st["temperature"])
print(json.dumps({
    "move": "temperature", "label": _ex.controls["temperature"].description,
    "value": _st["temperature"],
    "options": [v for _, v in _ex.controls["temperature"].options],
    "labels": [t for t, _ in _ex.controls["temperature"].options],
    "expect": [f"{_sw.temperatures[_i]:.3g}", f"{_sw.singular_values[_i][0]:.3f}",
               f"{_sw.probe_error[_i]:.3f}"]}))
"""

#: The explorer scenario of each notebook that has one, by its number.
SCENARIOS = {"04": _ATTENTION, "05": _ASSOCIATION, "06": _MIXING}


def _stored_figures(name: str) -> int:
    """How many figures (PNG or SVG outputs) the committed notebook holds."""
    nb = json.loads((NOTEBOOKS / name).read_text())
    return sum(1 for cell in nb["cells"] if cell["cell_type"] == "code"
               for out in cell.get("outputs", [])
               if {"image/png", "image/svg+xml"} & set(out.get("data", {})))


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def _kernel_pixels(kernel) -> np.ndarray:
    import base64

    image = kernel_json(kernel, _KERNEL_IMAGE)
    rgba = np.frombuffer(base64.b64decode(image["rgba"]), dtype=np.uint8)
    return rgba.reshape(image["shape"])[..., :3].astype(np.int16)


def _changed_fraction(a, b) -> float:
    """Fraction of pixels that differ (PNG bytes or RGB arrays); 1.0 if sizes differ."""
    pa = _pixels(a) if isinstance(a, bytes) else a
    pb = _pixels(b) if isinstance(b, bytes) else b
    if pa.shape != pb.shape:
        return 1.0
    return float(np.mean(np.any(np.abs(pa - pb) > 8, axis=-1)))


def _canvas_png(canvas) -> bytes:
    import base64

    url = canvas.evaluate("c => c.toDataURL('image/png')")
    return base64.b64decode(url.split(",", 1)[1])


def _wait_canvas(canvas, reference: bytes | None = None, *, differ: bool = True,
                 timeout: float = 60.0) -> bytes:
    """Poll the canvas until it is stable and differs from (or matches) ``reference``."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        now = _canvas_png(canvas)
        wanted = reference is None or (
            (_changed_fraction(now, reference) > 0.002) == differ)
        if wanted and last is not None and _changed_fraction(now, last) == 0.0:
            return now
        last = now
        time.sleep(0.3)
    return last


def _press_and_wait(page, key: str, readout) -> None:
    """Press ``key`` (on the focused slider) and wait until the readout's text changes."""
    old = readout.inner_text()
    page.keyboard.press(key)
    page.wait_for_function("([el, old]) => el.innerText !== old",
                           arg=[readout.element_handle(), old])


def _readout_text(readout) -> str:
    return re.sub(r"[ \t\u00a0]+", " ", readout.inner_text())


def _drive_explorer(nb: LabPage, query: str, number: str) -> None:
    """Move the explorer's slider one step and back, checking readout and plot."""
    page, lab = nb.page, nb.lab
    kernel = lab.kernel_client(nb.notebook)
    try:
        before = kernel_json(kernel, query)
        position = before["options"].index(before["value"])
        key, step = ("ArrowRight", 1) if position + 1 < len(before["options"]) \
            else ("ArrowLeft", -1)
        new_value = before["options"][position + step]

        label = re.compile(rf"^{re.escape(before['label'])}$")
        explorer = page.locator(".jp-OutputArea-output").filter(
            has=page.locator(".jupyter-matplotlib")).filter(
            has=page.locator(".widget-label", has_text=label)).last
        explorer.scroll_into_view_if_needed()
        slider = explorer.locator(".widget-hslider").filter(
            has=page.locator(".widget-label", has_text=label))
        readout = explorer.locator(".widget-html-content").last
        canvas = explorer.locator(".jupyter-matplotlib-canvas-div canvas").first
        canvas.wait_for(state="visible")

        text0 = _readout_text(readout)
        for phrase in before["expect"]:
            assert phrase in text0, (phrase, text0)
        image0 = _wait_canvas(canvas)  # the first image, once stable
        assert _changed_fraction(image0, _kernel_pixels(kernel)) < 0.002
        explorer.screenshot(path=ARTIFACTS / f"{number}_before.png")

        # a student presses an arrow key on the focused slider
        slider.locator(".noUi-handle").focus()
        _press_and_wait(page, key, readout)
        after = kernel_json(kernel, query)
        assert after["value"] == new_value, (after["value"], new_value)
        shown = before.get("labels", before["options"])[position + step]
        assert slider.locator(".widget-readout").inner_text().strip() == str(shown)
        text1 = _readout_text(readout)
        for phrase in after["expect"]:
            assert phrase in text1, (phrase, text1)
        assert after["expect"] != before["expect"]
        image1 = _wait_canvas(canvas, image0, differ=True)
        explorer.screenshot(path=ARTIFACTS / f"{number}_after.png")
        assert _changed_fraction(image0, image1) > 0.002, "the plot did not change"
        # what the browser shows is the figure the kernel drew for the new state
        assert _changed_fraction(image1, _kernel_pixels(kernel)) < 0.002

        # and back: the readout and the plot return to the first state
        _press_and_wait(page, "ArrowLeft" if step == 1 else "ArrowRight", readout)
        assert kernel_json(kernel, query)["value"] == before["value"]
        assert _readout_text(readout) == text0
        image2 = _wait_canvas(canvas, image0, differ=False)
        assert _changed_fraction(image0, image2) < 0.002, "the plot did not come back"
    finally:
        kernel.stop_channels()


def _reset_gives_a_starter_cell(nb: LabPage) -> None:
    """A student types ``cl.exercises.reset(...)`` into a new last cell and runs it: the
    exercise's starting code appears in a new cell below it (IPython's set_next_input)."""
    from contexture_lab import exercises

    page = nb.page
    cells = page.locator(".jp-Notebook .jp-Cell")
    before = cells.count()
    cells.last.locator(".jp-InputPrompt").click()      # select it, in command mode
    page.keyboard.press("Escape")
    page.keyboard.press("b")                           # a new cell below
    page.wait_for_function("n => document.querySelectorAll('.jp-Notebook .jp-Cell')"
                           ".length === n", arg=before + 1)
    page.keyboard.press("Enter")
    page.keyboard.type('cl.exercises.reset("00.marginal")')
    page.keyboard.press("Shift+Enter")
    page.wait_for_function("n => document.querySelectorAll('.jp-Notebook .jp-Cell')"
                           ".length >= n", arg=before + 2)
    # the new cell appears first, its text a moment later
    page.wait_for_function("i => { const c = document.querySelectorAll('.jp-Notebook .jp-Cell')"
                           "[i]; const e = c && c.querySelector('.jp-InputArea-editor');"
                           " return e && e.innerText.trim().length > 0; }", arg=before + 1)
    text = cells.nth(before + 1).locator(".jp-InputArea-editor").inner_text()
    starter = exercises.get("00.marginal").starter
    assert [line.strip() for line in text.strip().splitlines()] == \
        [line.strip() for line in starter.strip().splitlines()], text
    assert "in a new cell below" in cells.nth(before).locator(
        ".jp-OutputArea-output").inner_text()


# ---------------------------------------------------------------------- the walk
class MemoryWatch:
    """Samples the resident memory of a process and all its children (the server and its
    kernels) every ``period`` seconds in a thread; ``peak`` is the largest sum seen."""

    def __init__(self, pid: int, period: float = 0.25):
        import psutil

        self.process = psutil.Process(pid)
        self.period = period
        self.peak = 0
        self.peak_at = ""
        self.peaks = {}
        self.label = "start"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        import psutil

        total = 0
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
        return total

    def kernel_peaks(self) -> dict:
        """The peak resident set (``VmHWM``, bytes) of every living child process that is
        a kernel, by pid: read before a notebook's tab closes, its kernel's own peak."""
        import psutil

        peaks = {}
        for proc in self.process.children(recursive=True):
            try:
                if "ipykernel" not in " ".join(proc.cmdline()):
                    continue
                status = Path(f"/proc/{proc.pid}/status").read_text()
            except (psutil.Error, OSError):
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peaks[proc.pid] = int(line.split()[1]) * 1024
        return peaks

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = self._rss()
            self.peaks[self.label] = max(self.peaks.get(self.label, 0), rss)
            if rss > self.peak:
                self.peak, self.peak_at = rss, self.label
            self._stop.wait(self.period)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


#: Explorer controls moved across their whole range: a slider by its label, with the
#: keys that reach its ends.
_OUTPUT_WITH_CANVAS = ".jp-OutputArea-output:has(.jupyter-matplotlib)"


def _explorer_heights(page, number: str) -> dict:
    """Move every control of every explorer of the page over its whole range; the height of
    the explorer's output after each step, by control."""
    heights = {}
    explorers = page.locator(_OUTPUT_WITH_CANVAS)
    for e in range(explorers.count()):
        explorer = explorers.nth(e)
        explorer.scroll_into_view_if_needed()
        readout = explorer.locator(".widget-html-content").last

        def settle(readout=readout, explorer=explorer):
            last, same = None, 0
            for _ in range(100):
                now = (readout.inner_text(), explorer.bounding_box()["height"])
                same = same + 1 if now == last else 0
                if same >= 2:
                    return now[1]
                last = now
                page.wait_for_timeout(100)
            return last[1]

        for s, slider in enumerate(explorer.locator(".widget-hslider").all()):
            label = slider.locator(".widget-label").inner_text().strip() or f"slider{s}"
            handle = slider.locator(".noUi-handle")
            if "disabled" in (slider.get_attribute("class") or "") or \
                    handle.get_attribute("disabled") is not None:
                continue
            handle.focus()
            page.keyboard.press("Home")
            seen = [settle()]
            for _ in range(60):
                value = slider.locator(".widget-readout").inner_text()
                page.keyboard.press("ArrowRight")
                page.wait_for_timeout(50)
                if slider.locator(".widget-readout").inner_text() == value:
                    break
                seen.append(settle())
            safe = re.sub(r"\W+", "_", label)
            explorer.screenshot(path=ARTIFACTS / f"walk_{number}_explorer{e}_{safe}_last.png")
            heights[f"{e}:{label}"] = seen
        for button in explorer.locator(".widget-toggle-button").all():
            button.click()
            heights.setdefault(f"{e}:toggle", []).append(settle())
        for select in explorer.locator(".widget-dropdown select").all():
            for option in select.locator("option").all_inner_texts():
                select.select_option(label=option)
                heights.setdefault(f"{e}:dropdown", []).append(settle())
    return heights


def _close_tab(page) -> None:
    """Close the current notebook with its tab's close button, discarding changes."""
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current "
                 ".lm-TabBar-tabCloseIcon").click()
    discard = page.locator(".jp-Dialog button", has_text=re.compile("^(Discard|Don't Save)$"))
    from playwright.sync_api import TimeoutError as NoDialog

    try:
        discard.first.click(timeout=10_000)
    except NoDialog:      # nothing to save: no dialog
        pass


NOTEBOOK_NAMES = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _check_the_run(nb: LabPage, name: str) -> None:
    """Every cell ran, no output shows an error, every widget rendered, and every figure
    loaded with a size (at least as many as the committed notebook holds)."""
    prompts = nb.prompts()
    assert prompts and all(LabPage.PROMPT_DONE.match(p) for p in prompts), (name, prompts)
    assert nb.error_outputs() == [], (name, nb.error_outputs())
    assert nb.widget_errors() == [], (name, nb.widget_errors())
    images = nb.images()
    assert len(images) >= _stored_figures(name), (name, len(images), _stored_figures(name))
    bad = [i for i in images if not i["complete"] or min(i["natural"]) <= 0
           or min(i["shown"]) <= 0]
    assert not bad, (name, bad)


def test_walk_through_every_notebook(lab, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = {"target_bytes": MEMORY_TARGET, "notebooks": {}}
    jumps, outputs = {}, {}
    with MemoryWatch(lab.process.pid) as watch:
        for name in NOTEBOOK_NAMES:
            number = name.split("_")[0]
            watch.label = name
            started = time.monotonic()
            nb = LabPage(page, lab, f"notebooks/{name}", timeout_ms=600_000)
            try:
                nb.open()
                nb.run_all()
                _check_the_run(nb, name)
                differ = differing_cells(nbformat.read(NOTEBOOKS / name, as_version=4),
                                         nb.model_json())
                if differ:
                    outputs[name] = differ
                nb.screenshot_notebook(ARTIFACTS / f"walk_{number}.png")
                if number in SCENARIOS:
                    _drive_explorer(nb, SCENARIOS[number], number)
                heights = _explorer_heights(page, number)
                if number == "00":
                    _reset_gives_a_starter_cell(nb)
            except Exception:
                page.screenshot(path=ARTIFACTS / f"walk_{number}_failure.png", full_page=True)
                raise
            for control, seen in heights.items():
                if max(seen) - min(seen) > 1.0:
                    jumps[f"{number} {control}"] = seen
            kernel_peak = max(watch.kernel_peaks().values(), default=0)
            _close_tab(page)
            deadline = time.monotonic() + 60
            while any(s["path"].endswith(name) for s in lab.sessions()) and \
                    time.monotonic() < deadline:
                time.sleep(0.5)
            left = [s["path"] for s in lab.sessions()]
            report["notebooks"][name] = {"seconds": round(time.monotonic() - started, 1),
                                         "sessions_after_close": left,
                                         "kernel_peak_bytes": kernel_peak,
                                         "explorer_heights": heights}
            assert left == [], f"closing {name}'s tab left sessions {left}"
    report.update(peak_bytes=watch.peak, peak_while=watch.peak_at,
                  peak_bytes_by_notebook=watch.peaks)
    (ARTIFACTS / "memory.json").write_text(json.dumps(report, indent=1))
    print("peak memory by notebook: server and kernels (polled), the kernel's own (VmHWM)")
    for name in NOTEBOOK_NAMES:
        print(f"  {name:48s} {watch.peaks.get(name, 0) / 1e9:5.2f} GB   "
              f"{report['notebooks'][name]['kernel_peak_bytes'] / 1e9:5.2f} GB")
    print(f"peak memory of the server and its kernels: {watch.peak / 1e9:.2f} GB "
          f"(while {watch.peak_at}); the target is {MEMORY_TARGET / 1e9:.1f} GB")
    assert jumps == {}, f"explorer outputs changed height: {jumps}"
    assert watch.peak < MEMORY_TARGET, (
        f"the server and its kernels held {watch.peak / 1e9:.2f} GB while {watch.peak_at} "
        f"ran, over the target of {MEMORY_TARGET / 1e9:.1f} GB (artifacts/browser/memory.json)")
    assert outputs == {}, ("outputs that differ from the stored ones under "
                           f"tasks.VARIANT_ENV {tasks.VARIANT_ENV}:\n" + "\n".join(
                               f"{name} {cell}" for name, cells in outputs.items()
                               for cell in cells))
