"""The explorers as a student meets them: JupyterLab in a real (headless) Chromium.

For each explorer notebook: start JupyterLab on a free loopback port (a temporary copy of
``notebooks/``; the committed notebooks are never touched), open the notebook, clear and
run all cells from the menus, check that no cell shows an error and every widget rendered,
then move a slider with the keyboard and check that

- the kernel's explorer received the new value (the next point of the slider's grid),
- the numbers shown in the readout are the sweep's numbers at that grid point (read from
  the kernel's own sweep arrays, formatted here),
- the plot (the ipympl canvas) changed, shows the very image the kernel's figure holds
  for the new state, and moving back restores the first image.

Screenshots go to ``artifacts/browser/`` (git-ignored). Needs Debian's ``/usr/bin/chromium``
(``python3 tasks.py test`` installs it when it runs as root) or another Chromium named by
``CONTEXTURE_LAB_CHROMIUM``; skipped without one.
"""

from __future__ import annotations

import io
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from jupyter_browser import CHROMIUM, JupyterLab, LabPage, kernel_json, launch_chromium

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium; "
           "python3 tasks.py test does it when run as root) or set CONTEXTURE_LAB_CHROMIUM "
           "to a Chromium executable to run the browser tests")

ROOT = Path(__file__).resolve().parents[1]
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
    "expect": [f"{_sw.parameter} = {_st[_sw.parameter]}", f"d = {_d}",
               f"components: {int(_sw.metrics['n_components'][_i])}",
               f"s1 = {_sw.singular_values[_i, 0]:.3f}",
               f"sd = {_sw.singular_values[_i, _d - 1]:.3f}",
               f"probe error: {_sw.probe_error[_i, _j]:.3f}"]}))
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


@dataclass(frozen=True)
class Scenario:
    notebook: str
    query: str  # kernel code printing {"move", "label", "value", "options", "expect"}

    @property
    def id(self) -> str:
        return self.notebook.split("_")[0]


SCENARIOS = [Scenario("05_association_strength.ipynb", _ASSOCIATION),
             Scenario("06_mixing_contexts.ipynb", _MIXING)]


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


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_explorer_in_the_browser(scenario, lab, browser):
    path = NOTEBOOKS / scenario.notebook
    if not path.exists():
        pytest.skip(f"{scenario.notebook} does not exist yet")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page()
    nb = LabPage(page, lab, scenario.notebook)
    try:
        nb.open()
        nb.run_all()
        page.screenshot(path=ARTIFACTS / f"{scenario.id}_notebook.png", full_page=True)

        # every cell ran, none shows an error, every widget rendered
        prompts = nb.prompts()
        assert prompts and all(LabPage.PROMPT_DONE.match(p) for p in prompts), prompts
        assert nb.error_outputs() == []
        assert nb.widget_errors() == []

        kernel = lab.kernel_client(scenario.notebook)
        try:
            before = kernel_json(kernel, scenario.query)
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
            explorer.screenshot(path=ARTIFACTS / f"{scenario.id}_before.png")

            # a student presses an arrow key on the focused slider
            slider.locator(".noUi-handle").focus()
            _press_and_wait(page, key, readout)
            after = kernel_json(kernel, scenario.query)
            assert after["value"] == new_value, (after["value"], new_value)
            assert slider.locator(".widget-readout").inner_text().strip() == str(new_value)
            text1 = _readout_text(readout)
            for phrase in after["expect"]:
                assert phrase in text1, (phrase, text1)
            assert after["expect"] != before["expect"]
            image1 = _wait_canvas(canvas, image0, differ=True)
            explorer.screenshot(path=ARTIFACTS / f"{scenario.id}_after.png")
            assert _changed_fraction(image0, image1) > 0.002, "the plot did not change"
            # what the browser shows is the figure the kernel drew for the new state
            assert _changed_fraction(image1, _kernel_pixels(kernel)) < 0.002

            # and back: the readout and the plot return to the first state
            _press_and_wait(page, "ArrowLeft" if step == 1 else "ArrowRight", readout)
            assert kernel_json(kernel, scenario.query)["value"] == before["value"]
            assert _readout_text(readout) == text0
            image2 = _wait_canvas(canvas, image0, differ=False)
            assert _changed_fraction(image0, image2) < 0.002, "the plot did not come back"
        finally:
            kernel.stop_channels()
    except Exception:
        page.screenshot(path=ARTIFACTS / f"{scenario.id}_failure.png", full_page=True)
        raise
    finally:
        page.close()
