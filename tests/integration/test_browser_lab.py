"""The lab as a student lives in it, in JupyterLab in a real (headless) Chromium.

The server reads the lab's own configuration (``jupyter-config/``, as ``tasks.py lab`` and
Binder do) and serves a temporary working copy (``CONTEXTURE_LAB_WORKSPACE``) of
``notebooks/`` and ``docs/``:

- **a reset that sticks**: a student edits notebook 00 (the autosave saves it), edits
  again, and runs ``python3 tasks.py reset 00`` in a terminal while the tab is open; the
  next autosave asks "File Changed" instead of saving over the original, later autosaves
  write nothing, the file on disk stays the original, and Revert shows it in the tab;
- **the digest's maths is typeset**: ``docs/THEORY.md`` in the lab's Markdown viewer shows
  MathJax formulas and no MathJax error;
- **a walk through the sequence** (``test_walk_through_every_notebook``): notebooks 00 to 11
  are opened one after another, run from the menus, photographed, and closed with the
  tab's close button. Closing a tab must shut its kernel down (no session is left), and
  every explorer is moved across the whole range of every control while its output keeps
  its height. The server's lab starts with an empty cache of its own (a first visit: every
  forward pass and sweep is computed, the costliest case for memory), and the peak memory
  of the server with its kernels (resident sets summed, polled) must stay under
  :data:`MEMORY_TARGET`, issue 27's budget for Binder's 2 GB; the peaks per notebook, polled
  and each kernel's own (``VmHWM``), are printed and written to
  ``artifacts/browser/memory.json``.

Screenshots go to ``artifacts/browser/`` (git-ignored): ``walk_NN.png`` per notebook,
``walk_NN_explorer_<control>_<first|last>.png`` per explorer control, ``theory.png``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from jupyter_browser import CHROMIUM, JupyterLab, LabPage, launch_chromium

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


def test_walk_through_every_notebook(lab, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = {"target_bytes": MEMORY_TARGET, "notebooks": {}}
    jumps = {}
    with MemoryWatch(lab.process.pid) as watch:
        for name in NOTEBOOK_NAMES:
            number = name.split("_")[0]
            watch.label = name
            started = time.monotonic()
            nb = LabPage(page, lab, f"notebooks/{name}", timeout_ms=600_000)
            nb.open()
            nb.run_all()
            assert nb.error_outputs() == [], (name, nb.error_outputs())
            nb.screenshot_notebook(ARTIFACTS / f"walk_{number}.png")
            heights = _explorer_heights(page, number)
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
          f"(while {watch.peak_at}); target {MEMORY_TARGET / 1e9:.1f} GB")
    assert jumps == {}, f"explorer outputs changed height: {jumps}"
    assert watch.peak < MEMORY_TARGET, (
        f"the server and its kernels peaked at {watch.peak / 1e9:.2f} GB while "
        f"{watch.peak_at}, over the {MEMORY_TARGET / 1e9:.1f} GB target (per notebook, "
        f"GB: { {k: round(v / 1e9, 2) for k, v in watch.peaks.items()} })")
