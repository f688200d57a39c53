"""Drive JupyterLab in headless Chromium the way a student does (used by test_browser.py).

:class:`JupyterLab` starts ``jupyter lab`` from this Python environment on a free loopback
port, with a private runtime/config/settings folder (nothing of the user's Jupyter set-up
is read or written), and stops it by its PID. :func:`launch_chromium` starts Debian's
``/usr/bin/chromium`` (or ``$CONTEXTURE_LAB_CHROMIUM``) through Playwright (never a
downloaded browser). :class:`LabPage`
wraps the few things a test does on a notebook: open it, clear and run all cells from the
menus, wait for the kernel, find widgets, and list error outputs.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

#: Debian's chromium; CONTEXTURE_LAB_CHROMIUM points elsewhere (another Chromium build).
CHROMIUM = Path(os.environ.get("CONTEXTURE_LAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

#: The lab's JupyterLab configuration (jupyter-config/README.md), read by every test server.
JUPYTER_CONFIG = Path(__file__).resolve().parents[2] / "jupyter-config"

#: JupyterLab user settings for the tests: render every cell (no windowing, so all
#: outputs are in the DOM). No news pop-up and kernel shut-down on closing a tab come from
#: JUPYTER_CONFIG, as for a student.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none",
                                               "autoStartDefaultKernel": True},
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """A JupyterLab server on ``127.0.0.1:<free port>`` serving ``root_dir``.

    Use as a context manager; ``stop()`` terminates the process by its PID (then kills it
    if it does not exit). ``home`` holds the server's private Jupyter folders and its log.
    ``settings`` adds user settings (plugin -> values) to :data:`LAB_SETTINGS`;
    ``extra_args`` go to ``jupyter lab``.
    """

    def __init__(self, root_dir: Path, home: Path, *, start_timeout: float = 120.0,
                 settings: dict | None = None, extra_args=()):
        self.settings = {**LAB_SETTINGS, **(settings or {})}
        self.extra_args = list(extra_args)
        self.root_dir = Path(root_dir)
        self.home = Path(home)
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.start_timeout = start_timeout
        self.process: subprocess.Popen | None = None
        self.runtime_dir = self.home / "runtime"
        self.log_path = self.home / "jupyter.log"

    # -------------------------------------------------------------- lifecycle
    def _environment(self) -> dict:
        settings = self.home / "lab-settings"
        for plugin, values in self.settings.items():
            path = settings / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = {**os.environ,
               # the lab's own JupyterLab defaults, as tasks.py lab and Binder use them
               "JUPYTER_CONFIG_PATH": str(JUPYTER_CONFIG),
               "JUPYTER_CONFIG_DIR": str(self.home / "config"),
               "JUPYTER_RUNTIME_DIR": str(self.runtime_dir),
               "JUPYTERLAB_SETTINGS_DIR": str(settings),
               "JUPYTERLAB_WORKSPACES_DIR": str(self.home / "workspaces"),
               "JUPYTER_PLATFORM_DIRS": "1",
               "CONTEXTURE_LAB_DEVICE": os.environ.get("CONTEXTURE_LAB_DEVICE", "cpu")}
        env.pop("MPLBACKEND", None)  # the kernel picks its own backend, as for a student
        return env

    def start(self) -> JupyterLab:
        self.home.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
               "--ServerApp.terminals_enabled=False",
               f"--ServerApp.root_dir={self.root_dir}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")  # containers and CI often run as root
        cmd += self.extra_args
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                        env=self._environment(), cwd=self.root_dir)
        log.close()
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with code {self.process.returncode}:"
                                   f"\n{self.log()}")
            try:
                with urllib.request.urlopen(self.api_url("status"), timeout=5) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise TimeoutError(f"jupyter lab did not answer within {self.start_timeout:.0f} s:"
                           f"\n{self.log()}")

    def stop(self) -> None:
        """Terminate the server by its PID; kill it after 20 s (kernels go with it)."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def __enter__(self) -> JupyterLab:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -------------------------------------------------------------- helpers
    def log(self, tail: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""

    def api_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/api/{path}?token={self.token}"

    def lab_url(self, notebook: str) -> str:
        return f"http://127.0.0.1:{self.port}/lab/tree/{notebook}?token={self.token}&reset"

    def sessions(self) -> list[dict]:
        with urllib.request.urlopen(self.api_url("sessions"), timeout=10) as r:
            return json.load(r)

    def shut_down(self, notebook: str) -> None:
        """End the sessions (and so the kernels) of ``notebook``: at most two kernels are
        alive while the browser test runs every notebook."""
        for session in self.sessions():
            if session["path"].endswith(notebook):
                request = urllib.request.Request(
                    self.api_url(f"sessions/{session['id']}"), method="DELETE")
                urllib.request.urlopen(request, timeout=30).close()

    def kernel_client(self, notebook: str):
        """A started ``BlockingKernelClient`` on the kernel of the open ``notebook``."""
        from jupyter_client import BlockingKernelClient

        sessions = self.sessions()
        ids = [s["kernel"]["id"] for s in sessions if s["path"].endswith(notebook)]
        if not ids:
            raise RuntimeError(f"no kernel session for {notebook}: {sessions}")
        client = BlockingKernelClient(connection_file=str(
            self.runtime_dir / f"kernel-{ids[0]}.json"))
        client.load_connection_file()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        return client


def kernel_json(client, code: str, timeout: float = 60.0):
    """Run ``code`` in the kernel; its last line must print one JSON document."""
    out = []

    def hook(msg):
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append("\n".join(msg["content"]["traceback"]))

    reply = client.execute_interactive(code, store_history=False, timeout=timeout,
                                       output_hook=hook)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"kernel code failed:\n{''.join(out)}")
    return json.loads("".join(out).strip().splitlines()[-1])


def launch_chromium(playwright, user_data_dir: Path):
    """A headless Debian Chromium browser context with a fresh profile."""
    shutil.rmtree(user_data_dir, ignore_errors=True)
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir), executable_path=str(CHROMIUM), headless=True,
        args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000})


class LabPage:
    """One notebook open in JupyterLab (a Playwright page)."""

    PROMPT_DONE = re.compile(r"^\[\d+\]:$")

    def __init__(self, page, lab: JupyterLab, notebook: str, timeout_ms: float = 180_000):
        self.page = page
        self.lab = lab
        self.notebook = notebook
        self.timeout = timeout_ms
        page.set_default_timeout(timeout_ms)

    def open(self) -> None:
        self.page.goto(self.lab.lab_url(self.notebook))
        self.page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
        self.wait_kernel_idle()

    def wait_kernel_idle(self) -> None:
        """Wait until the notebook has a kernel (its name in the toolbar) and it is idle."""
        self.page.wait_for_function(
            """() => {
                 const name = document.querySelector('.jp-NotebookPanel .jp-Toolbar-kernelName');
                 const idle = document.querySelector(
                   '.jp-Notebook-ExecutionIndicator[data-status="idle"]');
                 return idle && name && /python/i.test(name.textContent);
               }""", polling=250)

    def menu(self, menu_label: str, command: str) -> None:
        """Click a top menu, then its item for ``command`` (a JupyterLab command id)."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(
            f"^{menu_label}$")).click()
        self.page.locator(f'.lm-Menu-item[data-command="{command}"]').first.click()

    def prompts(self) -> list[str]:
        return [t.strip() for t in self.page.locator(
            ".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()]

    def run_all(self, timeout_ms: float = 600_000) -> None:
        """Edit > Clear Outputs of All Cells, Run > Run All Cells; wait until done."""
        self.start_run_all()
        self.wait_run_all(timeout_ms)

    def start_run_all(self) -> None:
        """Edit > Clear Outputs of All Cells, then Run > Run All Cells (returns at once)."""
        self.menu("Edit", "editmenu:clear-all")
        self.page.wait_for_function(
            """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                   .every(p => !/\\d/.test(p.textContent))""")
        self.menu("Run", "runmenu:run-all")

    def wait_run_all(self, timeout_ms: float = 600_000) -> None:
        """Wait until the run started by :meth:`start_run_all` is done: the kernel is idle
        and every code cell has an execution count, or a cell failed (JupyterLab then stops
        the queue)."""
        self.page.wait_for_function(
            """() => {
                 const idle = document.querySelector(
                   '.jp-Notebook-ExecutionIndicator[data-status="idle"]');
                 const prompts = [...document.querySelectorAll(
                   '.jp-CodeCell .jp-InputArea-prompt')].map(p => p.textContent.trim());
                 const failed = document.querySelector(
                   '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
                 return idle && !prompts.some(p => p.includes('*')) &&
                        (prompts.every(p => /^\\[\\d+\\]:$/.test(p)) || failed);
               }""", polling=500, timeout=timeout_ms)

    def model_json(self) -> dict:
        """The open notebook as JupyterLab holds it (nbformat JSON, outputs included), read
        through the app the lab exposes (``--LabApp.expose_app_in_browser``)."""
        # as a JSON string: JSON.stringify drops the fields JupyterLab leaves undefined,
        # which Playwright would otherwise hand over as None
        return json.loads(self.page.evaluate(
            "() => JSON.stringify(window.jupyterapp.shell.currentWidget.content.model"
            ".toJSON())"))

    def error_outputs(self) -> list[str]:
        """Texts of stderr outputs that hold a traceback or an error name."""
        texts = self.page.locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
        ).all_inner_texts()
        return [t for t in texts if re.search(r"Traceback|Error|Exception", t)]

    def images(self) -> list[dict]:
        """Every figure of the outputs (PNG or SVG, JupyterLab renders both as ``img``):
        whether it loaded, its natural and its displayed size."""
        return self.page.evaluate(
            """() => [...document.querySelectorAll('.jp-OutputArea-output img')].map(i => {
                 const r = i.getBoundingClientRect();
                 return {complete: i.complete, natural: [i.naturalWidth, i.naturalHeight],
                         shown: [r.width, r.height],
                         kind: i.src.slice(0, 30).split(';')[0]};
               })""")

    def screenshot_notebook(self, path: Path, *, max_height: int = 30_000) -> int:
        """The whole notebook in one PNG: scrolled to the top, the viewport made as tall as
        the notebook's content (at most ``max_height`` px) for the shot, then put back.
        Returns the content height."""
        height = self.page.evaluate(
            """() => {
                 const panes = [...document.querySelectorAll('.jp-NotebookPanel *')]
                   .filter(e => e.scrollHeight > e.clientHeight + 1 && e.scrollTop > 0);
                 panes.forEach(e => { e.scrollTop = 0; });
                 return Math.max(...[...document.querySelectorAll(
                   '.jp-NotebookPanel-notebook, .jp-NotebookPanel .jp-WindowedPanel-outer')]
                   .map(e => e.scrollHeight));
               }""")
        size = self.page.viewport_size
        self.page.set_viewport_size({"width": size["width"],
                                     "height": int(min(height + 200, max_height))})
        try:
            self.page.wait_for_timeout(500)      # let the panels lay out at the new size
            self.page.screenshot(path=path)
        finally:
            self.page.set_viewport_size(size)
        return int(height)

    def widget_errors(self) -> list[str]:
        """Widget views that failed to render ("Error displaying widget", ...)."""
        return self.page.locator(".jp-OutputArea-output").filter(
            has_text=re.compile(r"Error displaying widget|Error rendering output")
        ).all_inner_texts()
