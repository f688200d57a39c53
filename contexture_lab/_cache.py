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

Every disk cache of the package goes through this module: :func:`cache_key` names an entry
(its inputs, the code that computes from them, a version), :func:`entry_path` places it,
:func:`save_arrays` / :func:`load_arrays` write and read it. No other module hashes inputs
or writes cache files itself.
"""

from __future__ import annotations

import hashlib
import os
import struct
import uuid
import warnings
import zipfile
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


def _update(digest, part) -> None:
    """Feed one part of a key to ``digest``: an array by dtype, shape and bytes, a sparse
    matrix by shape and dense bytes, anything else by its ``repr``."""
    if isinstance(part, np.ndarray):
        digest.update(f"{part.dtype}{part.shape}".encode())
        digest.update(np.ascontiguousarray(part).tobytes())
    elif hasattr(part, "toarray"):
        digest.update(repr(part.shape).encode())
        digest.update(np.ascontiguousarray(part.toarray()).tobytes())
    else:
        digest.update(repr(part).encode())


def code_fingerprint(*modules) -> bytes:
    """The source of ``modules`` (module objects or file paths), concatenated: a cache key
    that includes it changes whenever that code is edited."""
    return b"".join(Path(getattr(m, "__file__", m)).read_bytes() for m in modules)


def cache_key(version: str, *parts, salt: bytes = b"", length: int = 20) -> str:
    """The one key function of the disk caches: SHA-256 (hex, first ``length`` digits) of
    ``version``, then ``salt``, then every part.

    Parameters
    ----------
    version : str
        The cache's version string (bump it when what an entry stores changes).
    *parts
        The inputs: an ndarray counts by dtype, shape and bytes, a scipy.sparse matrix by
        shape and dense bytes, anything else by its ``repr``.
    salt : bytes, keyword-only, default=b""
        What else decides the result: the code (:func:`code_fingerprint`), library
        versions, a switch.
    length : int, keyword-only, default=20
        Hex digits kept.

    Returns
    -------
    str
        ``length`` lower-case hex digits.

    Examples
    --------
    >>> cache_key("v1", np.arange(3), "a") == cache_key("v1", np.arange(3), "a")
    True
    >>> cache_key("v1", np.arange(3)) == cache_key("v1", np.arange(3.0))
    False
    """
    if not isinstance(length, int) or not 8 <= length <= 64:
        raise ValueError(f"length must be an int in [8, 64], got {length!r}")
    digest = hashlib.sha256(version.encode())
    digest.update(salt)
    for part in parts:
        _update(digest, part)
    return digest.hexdigest()[:length]


def entry_path(key: str, *, folder=None, kind: str = "") -> Path:
    """Where the entry ``key`` lives: ``<folder>/<kind>/<key>.npz`` (``folder`` defaults to
    :func:`default_cache_dir`; ``kind`` a sub-folder per cache, default none)."""
    base = Path(folder) if folder is not None else default_cache_dir()
    return (base / kind if kind else base) / f"{key}.npz"


def checksum(key: str, arrays: dict) -> str:
    """SHA-256 (hex) of ``key`` and of every array's name, dtype, shape and bytes."""
    digest = hashlib.sha256(key.encode())
    for name in sorted(arrays):
        value = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{value.dtype.str}|{value.shape}|".encode())
        # the array's own buffer, not a bytes copy of it (the same digest as .tobytes())
        digest.update(value.reshape(-1).view(np.uint8) if value.size else b"")
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


class Spill:
    """A large array written block by block into a temporary ``.npy`` file of a cache folder
    instead of memory (plain writes, no mapping: the blocks do not stay in the writer's
    resident memory), then read back as a copy-on-write memory map.

    Parameters
    ----------
    folder : path-like
        The cache folder (created if missing); raises :class:`OSError` when unwritable.
    shape : tuple of int
        The whole array's shape; blocks are ranges of its first axis.
    dtype : numpy dtype
    """

    def __init__(self, folder, shape, dtype):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f".spill.{os.getpid()}.{uuid.uuid4().hex}.npy.tmp"
        self.dtype = np.dtype(dtype)
        mapped = np.lib.format.open_memmap(self.path, mode="w+", dtype=self.dtype,
                                           shape=tuple(shape))   # a zero-filled file
        self.offset = mapped.offset
        del mapped
        self.row_bytes = int(np.prod(shape[1:], dtype=np.int64)) * self.dtype.itemsize

    def write(self, start: int, block) -> None:
        """Write ``block`` as rows ``start, start + 1, ...`` of the first axis."""
        block = np.ascontiguousarray(block, dtype=self.dtype)
        with open(self.path, "r+b") as handle:
            handle.seek(self.offset + start * self.row_bytes)
            handle.write(block.reshape(-1).view(np.uint8) if block.size else b"")

    def array(self) -> np.memmap:
        """The whole array, mapped copy-on-write."""
        return np.load(self.path, mmap_mode="c")

    def remove(self) -> None:
        """Delete the file (a map still held keeps its data readable, on POSIX)."""
        self.path.unlink(missing_ok=True)


def mapped_arrays(path, names) -> dict:
    """Memory maps of some arrays of an archive written by :func:`save_arrays`.

    :func:`save_arrays` stores each array uncompressed, so an array's bytes lie in the file
    as they are; mapping them (copy-on-write: writes stay in this process) costs no memory
    until a page is read. A caller that has just saved a large result hands these back in
    place of its in-memory arrays, which it can then free: the pages come back from disk
    when used. The checksum is not verified here (the file was just written).

    Parameters
    ----------
    path : path-like
        An archive written by :func:`save_arrays`.
    names : iterable of str
        The arrays to map; an empty array is read instead (it cannot be mapped).

    Returns
    -------
    dict of str -> numpy.memmap or ndarray
    """
    path = Path(path)
    out = {}
    with zipfile.ZipFile(path) as archive, open(path, "rb") as handle:
        for name in names:
            info = archive.getinfo(f"{name}.npy")
            if info.compress_type != zipfile.ZIP_STORED:
                raise ValueError(f"{path}: array {name!r} is compressed; expected an "
                                 "archive written by save_arrays (stored uncompressed)")
            handle.seek(info.header_offset)
            local = handle.read(30)          # the member's local header: where its data lies
            if local[:4] != b"PK\x03\x04":
                raise ValueError(f"{path}: no local header for array {name!r}")
            name_length, extra_length = struct.unpack("<HH", local[26:30])
            handle.seek(info.header_offset + 30 + name_length + extra_length)
            version = np.lib.format.read_magic(handle)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(handle)
            if dtype.hasobject or int(np.prod(shape)) == 0:
                with archive.open(info) as member:
                    out[name] = np.lib.format.read_array(member, allow_pickle=False)
                continue
            out[name] = np.memmap(path, dtype=dtype, mode="c", offset=handle.tell(),
                                  shape=shape, order="F" if fortran else "C")
    return out


__all__ = ["CHECKSUM_KEY", "CacheWarning", "cache_key", "checksum", "code_fingerprint",
           "damaged", "default_cache_dir", "entry_path", "load_arrays", "mapped_arrays",
           "save_arrays", "Spill"]
