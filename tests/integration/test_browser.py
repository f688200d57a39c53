"""The notebooks as a student meets them: JupyterLab in a real (headless) Chromium.

One JupyterLab server on a free loopback port serves a temporary copy of ``notebooks/``
(the committed notebooks are never touched). Every notebook in ``notebooks/`` is opened.
Those with live widgets (their stored outputs hold a widget view) and notebook 00 (whose
reset is tried) are cleared and run from the menus, two at a time (the next one runs while
the test looks at the current one; at most two kernels are alive); the others show their
stored outputs, which nbval has just checked a fresh run reproduces (running them here too
was a fourth execution of each notebook in ``tasks.py test`` for nothing the browser adds).
For each: every cell has run, no output shows an error, every widget rendered, every figure
loaded with a non-zero size (at least as many figures as the stored outputs hold), and a
screenshot of the whole notebook is stored. In
the notebooks with an explorer (04 attention, 05 association, 06 mixing) a slider is then
moved with the keyboard, checking that

- the kernel's explorer received the new value (the next point of the slider's grid),
- the numbers shown in the readout are the sweep's numbers at that grid point (read from
  the kernel's own sweep arrays, formatted here),
- the plot (the ipympl canvas) changed, shows the very image the kernel's figure holds
  for the new state, and moving back restores the first image.

Screenshots go to ``artifacts/browser/`` (git-ignored): ``NN_notebook.png`` per notebook,
``NN_before.png`` / ``NN_after.png`` of each explorer. Needs Debian's ``/usr/bin/chromium``
(``python3 tasks.py test`` installs it when it runs as root) or another Chromium named by
``CONTEXTURE_LAB_CHROMIUM``; skipped without one.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from jupyter_browser import CHROMIUM, JupyterLab, LabPage, kernel_json, launch_chromium

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium; "
           "python3 tasks.py test does it when run as root) or set CONTEXTURE_LAB_CHROMIUM "
           "to a Chromium executable to run the browser tests")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "artifacts" / "browser"

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
#: Every notebook, in order (the list follows notebooks/: a new notebook is tested too).
NOTEBOOK_NAMES = sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _has_widgets(name: str) -> bool:
    """Whether the committed notebook's outputs hold a widget view (an explorer, a bar)."""
    nb = json.loads((NOTEBOOKS / name).read_text())
    return any("application/vnd.jupyter.widget-view+json" in out.get("data", {})
               for cell in nb["cells"] if cell["cell_type"] == "code"
               for out in cell.get("outputs", []))


#: The notebooks run in the browser: those with live widgets, and 00 (its reset is tried).
RUN_IN_BROWSER = {name for name in NOTEBOOK_NAMES
                  if _has_widgets(name) or name.startswith("00_")}


def _stored_figures(name: str) -> int:
    """How many figures (PNG or SVG outputs) the committed notebook holds."""
    nb = json.loads((NOTEBOOKS / name).read_text())
    return sum(1 for cell in nb["cells"] if cell["cell_type"] == "code"
               for out in cell.get("outputs", [])
               if {"image/png", "image/svg+xml"} & set(out.get("data", {})))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on a temporary copy of notebooks/, stopped by PID at the end."""
    tmp = tmp_path_factory.mktemp("browser")
    root = tmp / "notebooks"
    shutil.copytree(NOTEBOOKS, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    server = JupyterLab(root, tmp / "jupyter")
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Runs:
    """The notebooks run in order, two at a time: asking for the finished run of one
    starts the next, so that it runs while the test looks at this one."""

    def __init__(self, lab, browser, names):
        self.lab, self.browser, self.names = lab, browser, list(names)
        self.running: dict[str, LabPage] = {}

    def _start(self, name: str) -> None:
        nb = LabPage(self.browser.new_page(), self.lab, name)
        nb.open()
        if name in RUN_IN_BROWSER:
            nb.start_run_all()
        self.running[name] = nb

    def finished(self, name: str) -> LabPage:
        if name not in self.running:
            self._start(name)
        later = self.names[self.names.index(name) + 1:]
        if later and later[0] not in self.running:
            self._start(later[0])
        nb = self.running.pop(name)
        if name in RUN_IN_BROWSER:
            nb.wait_run_all()
        return nb

    def close(self, nb: LabPage) -> None:
        nb.page.close()
        self.lab.shut_down(nb.notebook)

    def close_all(self) -> None:
        for nb in list(self.running.values()):
            self.close(nb)
        self.running.clear()


@pytest.fixture(scope="module")
def runs(lab, browser, request):
    # the notebooks this session tests, in order (a -k selection runs only those)
    names = [item.callspec.params["name"] for item in request.session.items
             if getattr(item, "originalname", None) == "test_notebook_in_the_browser"
             and hasattr(item, "callspec")]
    pool = Runs(lab, browser, names)
    try:
        yield pool
    finally:
        pool.close_all()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        context = launch_chromium(pw, tmp_path_factory.mktemp("chromium-profile"))
        try:
            yield context
        finally:
            context.close()


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


@pytest.mark.parametrize("name", NOTEBOOK_NAMES, ids=lambda n: n.split("_")[0])
def test_notebook_in_the_browser(name, runs):
    number = name.split("_")[0]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    nb = runs.finished(name)
    page = nb.page
    try:
        # every cell ran, none shows an error, every widget rendered
        prompts = nb.prompts()
        assert prompts and all(LabPage.PROMPT_DONE.match(p) for p in prompts), prompts
        assert nb.error_outputs() == []
        assert nb.widget_errors() == []
        # every figure loaded and shows with a size
        images = nb.images()
        assert len(images) >= _stored_figures(name), (len(images), _stored_figures(name))
        bad = [i for i in images if not i["complete"] or min(i["natural"]) <= 0
               or min(i["shown"]) <= 0]
        assert not bad, bad
        if number in SCENARIOS:
            _drive_explorer(nb, SCENARIOS[number], number)
        nb.screenshot_notebook(ARTIFACTS / f"{number}_notebook.png")
        if number == "00":
            _reset_gives_a_starter_cell(nb)
    except Exception:
        page.screenshot(path=ARTIFACTS / f"{number}_failure.png", full_page=True)
        raise
    finally:
        runs.close(nb)


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
