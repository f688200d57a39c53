"""A class on a real JupyterHub: three students log in, spawn their servers from the lab's
environment and run notebook 05 at the same time, each on their own copy, all three sharing
one sweep cache.

The hub is JupyterHub from ``.envs/hub`` (requirements/hub.txt) with the pinned
configurable-http-proxy from ``.envs/proxy`` (requirements/hub-proxy), on loopback, with the
dummy authenticator (one shared password) and the local process spawner
(``SimpleLocalProcessSpawner``: every student a folder under a temporary ``home/``, all
under this machine's one user). Each single-user server is ``python -m jupyterhub.singleuser``
of the lab's ``.venv`` with the ``.envs/singleuser`` layer (requirements/hub-singleuser.txt)
on ``PYTHONPATH``: the lab's Jupyter server and kernel, plus the jupyterhub package that the
single-user server imports.

Each student, like a browser would: logs in through the hub's login form, asks the hub's REST
API for a token and a server, then through the server's REST and websocket API opens a
session on their copy of notebook 05, runs every cell, saves the notebook (contents API).
The test checks that every stored output of notebook 05 comes out (the shared cache did not
hand anyone a wrong or partial sweep), that each saved copy is in its owner's home only, that
the tracked notebooks did not change and that the shared cache holds only complete,
checksum-valid files. Time and peak memory per student go to ``$CONTEXTURE_LAB_CLASS_REPORT``
(JSON) when set, which ``python3 tools/maintain.py test-class`` prints.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
import warnings
from pathlib import Path

import nbformat
import pytest
import requests
import websocket

from class_envs import ENVS, LAB_PYTHON, ROOT, layered, require

_spec = importlib.util.spec_from_file_location("execute_notebooks",
                                               ROOT / "tools" / "execute_notebooks.py")
execute_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(execute_notebooks)

pytestmark = pytest.mark.class_envs

NOTEBOOK = "05_association_strength.ipynb"
STUDENTS = ("ada", "grace", "emmy")
PASSWORD = "contexture"   # the dummy authenticator's shared password
#: Limits (s) that turn a hang into a failure: the hub's start, a server's spawn, one cell.
LIMITS = {"hub": 60, "spawn": 120, "cell": 300}
#: What the notebooks are stored with (tasks.py's test environment): two threads, CPU; and
#: the scramble switch, under which no shipped sweep is used (contexture_lab/data/): every
#: student computes notebook 05's sweep and writes it into the shared cache at the same
#: time, the case the cache's atomic writes are for. The stored outputs do not depend on it
#: (tasks.py test's scrambled nbval pass checks that).
KERNEL_ENV = {"CONTEXTURE_LAB_DEVICE": "cpu", "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2",
              "OPENBLAS_NUM_THREADS": "2", "MPLBACKEND": "Agg",
              "PYDEVD_DISABLE_FILE_VALIDATION": "1", "CONTEXTURE_LAB_SCRAMBLE": "1"}
#: Run in each kernel after the notebook: its own peak RSS and CPU time, and its server's
#: (the kernel's parent process) peak RSS, from the kernel's view of the process table.
MEASURE = """\
import json as _json, os as _os, resource as _resource
_self = _resource.getrusage(_resource.RUSAGE_SELF)
_status = open(f"/proc/{_os.getppid()}/status").read()
_server_kib = int(next(l for l in _status.splitlines() if l.startswith("VmHWM")).split()[1])
print(_json.dumps({"kernel_peak_mib": _self.ru_maxrss / 1024, "server_peak_mib":
                   _server_kib / 1024, "kernel_cpu_s": _self.ru_utime + _self.ru_stime}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sha256(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _config(tmp: Path, port: int, cache: Path) -> str:
    env = layered("singleuser", {"PATH": os.environ["PATH"]})
    root = ["--allow-root"] if os.geteuid() == 0 else []
    proxy = str(ENVS / "proxy/node_modules/.bin/configurable-http-proxy")
    return f"""
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {_free_port()}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{_free_port()}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {str(tmp / "proxy.pid")!r}
c.JupyterHub.db_url = "sqlite:///{tmp / 'hub.sqlite'}"
c.JupyterHub.cookie_secret_file = {str(tmp / "cookie_secret")!r}
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {PASSWORD!r}
c.Authenticator.allowed_users = {set(STUDENTS)!r}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {str(tmp / "home" / "{username}")!r}
c.Spawner.cmd = [{str(LAB_PYTHON)!r}, "-m", "jupyterhub.singleuser"]
c.Spawner.args = {root!r}
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = {LIMITS["spawn"]}
c.Spawner.http_timeout = {LIMITS["spawn"]}
c.Spawner.env_keep = []
c.Spawner.environment = {{"PATH": {env["PATH"]!r}, "PYTHONPATH": {env["PYTHONPATH"]!r},
                          "CONTEXTURE_LAB_CACHE": {str(cache)!r}, **{KERNEL_ENV!r}}}
"""


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """A running hub: its URL and temporary folder; every process it started ends with it."""
    require(ENVS / "hub" / "bin" / "jupyterhub", ENVS / "singleuser" / "jupyterhub",
            ENVS / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy")
    tmp = tmp_path_factory.mktemp("hub")
    cache = tmp / "shared-cache"
    port = _free_port()
    (tmp / "jupyterhub_config.py").write_text(_config(tmp, port, cache))
    for student in STUDENTS:   # the instructor hands out the notebook (as nbgitpuller would)
        (tmp / "home" / student / "notebooks").mkdir(parents=True)
        shutil.copy(ROOT / "notebooks" / NOTEBOOK, tmp / "home" / student / "notebooks")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{ENVS / 'hub' / 'bin'}{os.pathsep}{env['PATH']}"
    log = open(tmp / "hub.log", "w")
    process = subprocess.Popen([str(ENVS / "hub" / "bin" / "jupyterhub"), "-f",
                                str(tmp / "jupyterhub_config.py")], cwd=tmp, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + LIMITS["hub"]
        while True:
            assert process.poll() is None, (tmp / "hub.log").read_text()[-3000:]
            try:
                if requests.get(f"{url}/hub/api/", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, (tmp / "hub.log").read_text()[-3000:]
            time.sleep(0.5)
        yield url, tmp
    finally:
        process.send_signal(signal.SIGTERM)   # the hub stops the servers and the proxy
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


class Student:
    """One student's browser-like session: login, token, server, kernel, notebook."""

    def __init__(self, url: str, name: str):
        self.url, self.name = url, name
        self.http = requests.Session()
        self.result: dict = {}

    def login(self) -> None:
        self.http.get(f"{self.url}/hub/login", timeout=30).raise_for_status()
        xsrf = self.http.cookies.get("_xsrf")
        reply = self.http.post(f"{self.url}/hub/login", timeout=30, allow_redirects=False,
                               data={"username": self.name, "password": PASSWORD,
                                     "_xsrf": xsrf})
        assert reply.status_code == 302, (reply.status_code, reply.text[:500])
        # a token of their own, asked for with the login cookie (as the hub's token page does);
        # the login set a new xsrf cookie, tied to the session
        xsrf = self.http.cookies.get("_xsrf")
        reply = self.http.post(f"{self.url}/hub/api/users/{self.name}/tokens", timeout=30,
                               headers={"X-XSRFToken": xsrf}, json={"note": "class test"})
        reply.raise_for_status()
        self.http.headers["Authorization"] = f"token {reply.json()['token']}"
        self.http.cookies.clear()

    def spawn(self) -> None:
        reply = self.http.post(f"{self.url}/hub/api/users/{self.name}/server", timeout=30)
        assert reply.status_code in (201, 202), (reply.status_code, reply.text[:500])
        deadline = time.monotonic() + LIMITS["spawn"]
        while not self.http.get(f"{self.url}/hub/api/users/{self.name}",
                                timeout=30).json()["servers"].get("", {}).get("ready"):
            assert time.monotonic() < deadline, f"{self.name}'s server did not start"
            time.sleep(0.5)

    def api(self, method: str, path: str, **kwargs):
        reply = self.http.request(method, f"{self.url}/user/{self.name}/api/{path}",
                                  timeout=60, **kwargs)
        reply.raise_for_status()
        return reply.json() if reply.content else None

    def run_notebook(self) -> None:
        """Open a session on the student's copy, run every cell over the kernel's websocket
        (as JupyterLab does), save the notebook with its outputs through the contents API."""
        path = f"notebooks/{NOTEBOOK}"
        nb = nbformat.from_dict(self.api("GET", f"contents/{path}")["content"])
        session = self.api("POST", "sessions", json={"path": path, "type": "notebook",
                                                      "kernel": {"name": "python3"}})
        kernel = session["kernel"]["id"]
        ws = websocket.create_connection(
            f"ws://{self.url.split('://', 1)[1]}/user/{self.name}/api/kernels/{kernel}/channels",
            header=[f"Authorization: {self.http.headers['Authorization']}"],
            timeout=LIMITS["cell"])
        try:
            start = time.monotonic()
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs = self._execute(ws, cell.source)
                    errors = [o for o in cell.outputs if o.output_type == "error"]
                    assert not errors, (self.name, cell.source[:200], errors[0].get("evalue"))
            self.result["wall_s"] = time.monotonic() - start
            (measured,) = self._execute(ws, MEASURE)
            self.result.update(json.loads(measured.text))
        finally:
            ws.close()
        self.api("PUT", f"contents/{path}", json={"type": "notebook", "format": "json",
                                                  "content": nb})
        self.api("DELETE", f"sessions/{session['id']}")

    def _execute(self, ws, code: str) -> list:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": self.name,
                       "session": uuid.uuid4().hex, "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        outputs, idle, replied = [], False, False
        while not (idle and replied):
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["header"]["msg_type"], msg["content"]
            if kind == "execute_reply":
                replied = True
            elif kind == "status" and content["execution_state"] == "idle":
                idle = True
            elif kind in ("stream", "display_data", "execute_result", "error"):
                content.pop("transient", None)
                outputs.append(nbformat.v4.output_from_msg(msg))
        return outputs


def _texts(cell) -> list[str]:
    """What nbval compares in a cell, images aside: stdout runs merged, text/plain."""
    out = []
    for o in execute_notebooks.merge_streams([dict(o) for o in cell.outputs]):
        if o["output_type"] == "stream":
            out.append("".join(o["text"]))
        elif "data" in o:
            out.append(o["data"].get("text/plain", ""))
    return out


def test_three_students_run_notebook_05_at_once(hub):
    url, tmp = hub
    tracked = _sha256(ROOT / "notebooks")
    students = [Student(url, name) for name in STUDENTS]
    failures = []

    def work(student):
        try:
            student.login()
            student.spawn()
            student.run_notebook()
        except BaseException as exc:  # noqa: BLE001 - reported below, with the student's name
            failures.append(f"{student.name}: {type(exc).__name__}: {exc}")

    start = time.monotonic()
    threads = [threading.Thread(target=work, args=(s,)) for s in students]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = time.monotonic() - start
    assert not failures, "\n".join(failures) + "\n" + (tmp / "hub.log").read_text()[-3000:]

    # each copy saved in its owner's home, with every output the stored notebook has
    stored = nbformat.read(ROOT / "notebooks" / NOTEBOOK, 4)
    for student in students:
        saved = nbformat.read(tmp / "home" / student.name / "notebooks" / NOTEBOOK, 4)
        assert [c.source for c in saved.cells] == [c.source for c in stored.cells]
        for mine, ref in zip(saved.cells, stored.cells):
            if mine.cell_type == "code" and "NBVAL_IGNORE_OUTPUT" not in mine.source:
                assert _texts(mine) == _texts(ref), (student.name, mine.source[:200])
        listing = {item["name"] for item in student.api("GET", "contents/notebooks")["content"]}
        assert listing == {NOTEBOOK}, (student.name, listing)
    assert _sha256(ROOT / "notebooks") == tracked, "a tracked notebook changed"

    # the shared cache: complete files only, each one's checksum valid, no temporary left
    from contexture_lab._cache import load_arrays

    files = sorted((tmp / "shared-cache").rglob("*"))
    archives = [p for p in files if p.suffix == ".npz"]
    assert archives and all(p in archives or p.is_dir() for p in files), files
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all(load_arrays(p) is not None for p in archives)

    report = {"notebook": NOTEBOOK, "students": len(students), "total_wall_s": total,
              "cpus": os.cpu_count(), "load_average_1min": os.getloadavg()[0],
              "per_student": {s.name: s.result for s in students}}
    if os.environ.get("CONTEXTURE_LAB_CLASS_REPORT"):
        Path(os.environ["CONTEXTURE_LAB_CLASS_REPORT"]).write_text(json.dumps(report, indent=1))
    for s in students:
        assert s.result["kernel_peak_mib"] > 0 and s.result["wall_s"] > 0
