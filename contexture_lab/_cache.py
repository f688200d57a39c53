"""The on-disk cache of precomputed sweeps: atomic writes, checked reads, graceful fallback.

A cache entry is one ``<key>.npz`` archive of named arrays plus a stored checksum (SHA-256
of the key and of every array's name, dtype, shape and bytes). Three promises:

- **Readers never see a partial file.** Each writer writes its own temporary file in the
  cache folder (a unique name, so two kernels building the same sweep never share one) and
  moves it into place with an atomic :func:`os.replace`.
- **A damaged file never breaks a caller.** A truncated, emptied or garbled archive, a
  missing key or a checksum mismatch makes :func:`load_arrays` return ``None`` with one
  :class:`CacheWarning` naming the file; the caller recomputes and its save replaces it.
- **A read-only or missing folder is not an error.** Saving then warns once per folder and
  the caller keeps its in-memory cache only.

The folder is ``$CONTEXTURE_LAB_CACHE`` if set, else ``$XDG_CACHE_HOME/contexture_lab``,
else ``~/.cache/contexture_lab`` (:func:`default_cache_dir`).
"""

from __future__ import annotations

import hashlib
import os
import uuid
import warnings
from pathlib import Path

import numpy as np

#: Name of the stored checksum inside an archive.
CHECKSUM_KEY = "__checksum__"

#: Folders already reported as unwritable in this process (one warning each).
_UNWRITABLE: set[str] = set()


class CacheWarning(UserWarning):
    """A cache file was damaged and is recomputed, or the cache folder cannot be written."""


def default_cache_dir() -> Path:
    """``$CONTEXTURE_LAB_CACHE``, else ``$XDG_CACHE_HOME/contexture_lab``, else
    ``~/.cache/contexture_lab``."""
    if os.environ.get("CONTEXTURE_LAB_CACHE"):
        return Path(os.environ["CONTEXTURE_LAB_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "contexture_lab"


def checksum(key: str, arrays: dict) -> str:
    """SHA-256 (hex) of ``key`` and of every array's name, dtype, shape and bytes."""
    digest = hashlib.sha256(key.encode())
    for name in sorted(arrays):
        value = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{value.dtype.str}|{value.shape}|".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()


def save_arrays(path, arrays: dict) -> bool:
    """Write ``arrays`` (name -> ndarray) to ``path`` atomically, with their checksum.

    The key of the checksum is the file's stem. Returns True when the file is in place,
    False (after one :class:`CacheWarning` per folder) when the folder cannot be written.
    """
    path = Path(path)
    payload = {name: np.asarray(value) for name, value in arrays.items()}
    payload[CHECKSUM_KEY] = np.array(checksum(path.stem, payload))
    tmp = path.parent / f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: this writer's own file; 0o666 minus the umask, like any new file
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as handle:
                np.savez(handle, **payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
    except OSError as exc:
        folder = str(path.parent)
        if folder not in _UNWRITABLE:
            _UNWRITABLE.add(folder)
            warnings.warn(f"cannot write the cache folder {folder} ({exc.strerror or exc}); "
                          "results are kept in memory only for this session (set "
                          "CONTEXTURE_LAB_CACHE to a writable folder to keep them)",
                          CacheWarning, stacklevel=3)
        return False
    return True


def damaged(path, reason: str) -> None:
    """Warn that the cache file ``path`` is damaged and will be recomputed."""
    warnings.warn(f"the cache file {path} is damaged ({reason}); recomputing it and "
                  "replacing the file", CacheWarning, stacklevel=3)


def load_arrays(path, required=()) -> dict | None:
    """The arrays stored at ``path``, or None when there is no usable file.

    Parameters
    ----------
    path : path-like
    required : iterable of str
        Names that must be present.

    Returns
    -------
    dict of str -> ndarray, or None: the file is missing, or it is damaged (unreadable,
    truncated, a key missing, checksum mismatch), which is reported with one
    :class:`CacheWarning`.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - zipfile/zlib/numpy raise many kinds
        damaged(path, f"{type(exc).__name__}: {exc}")
        return None
    stored = arrays.pop(CHECKSUM_KEY, None)
    if stored is None or stored.shape != () or stored.dtype.kind != "U":
        damaged(path, "no stored checksum")
        return None
    if str(stored) != checksum(path.stem, arrays):
        damaged(path, "checksum mismatch")
        return None
    missing = sorted(set(required) - set(arrays))
    if missing:
        damaged(path, f"missing arrays {missing}")
        return None
    return arrays


__all__ = ["CHECKSUM_KEY", "CacheWarning", "checksum", "damaged", "default_cache_dir",
           "load_arrays", "save_arrays"]
