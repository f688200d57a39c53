"""The artefacts of the pretrained models: the model table, the corpus files, their sha256.

Both tables are rows of the package's one artefact table
(``contexture_lab/datasets/artefacts.toml``, which the set-up reads too); the file checks
are :mod:`contexture_lab.datasets.artefacts`'s.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

from ..datasets.artefacts import (
    SETUP_HINT,
    HashMismatchError,
    data_dir,
    sha256_file,
    table,
    verify_file,
)


@dataclass(frozen=True)
class ModelSpec:
    """Where a model's weight file lives and what its sha256 must be.

    Attributes
    ----------
    name : str
        The lab's name of the model (a key of :data:`~contexture_lab.pretrained.artefacts.MODELS`).
    distribution : str
        The installed wheel that holds the file.
    filename : str
    sha256 : str
    kind : str
        ``"encoder"`` or ``"decoder"``.
    description : str
    """

    name: str
    distribution: str
    filename: str
    sha256: str
    kind: str
    description: str


#: The models, by name (the ``[model.*]`` rows of the artefact table).
MODELS = {name: ModelSpec(name, row["distribution"], row["file"], row["sha256"], row["kind"],
                          row["description"])
          for name, row in table()["model"].items()}

#: The corpus files the set-up unpacks into ``data_dir() / "vader"``, with their sha256:
#: source -> (file name, sha256), from the ``[file.vader-*]`` rows of the artefact table.
CORPUS_FILES = {file_id.removeprefix("vader-"): (row["name"], row["sha256"])
                for file_id, row in table()["file"].items() if row["source"] == "vader"}


def _spec(name: str) -> ModelSpec:
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; expected one of {sorted(MODELS)}")
    return MODELS[name]


def model_path(name: str) -> Path:
    """The verified weight file of model ``name``, found through the metadata of its
    installed wheel.

    Parameters
    ----------
    name : str
        A key of :data:`~contexture_lab.pretrained.artefacts.MODELS`.

    Returns
    -------
    pathlib.Path
    """
    spec = _spec(name)
    try:
        dist = importlib.metadata.distribution(spec.distribution)
    except importlib.metadata.PackageNotFoundError:
        raise FileNotFoundError(
            f"model {name!r}: the package {spec.distribution!r} that holds "
            f"{spec.filename} is not installed; {SETUP_HINT}") from None
    found = [f for f in (dist.files or []) if f.name == spec.filename]
    if not found:
        raise FileNotFoundError(f"model {name!r}: {spec.distribution!r} lists no file "
                                f"{spec.filename}; {SETUP_HINT}")
    return verify_file(dist.locate_file(found[0]), spec.sha256, f"model {name!r}")


def corpus_dir() -> Path:
    """Where the set-up unpacks the corpus: ``data_dir() / "vader"``.

    Returns
    -------
    pathlib.Path
    """
    return data_dir() / table()["source"]["vader"]["folder"]


__all__ = [
    "CORPUS_FILES",
    "MODELS",
    "HashMismatchError",
    "ModelSpec",
    "corpus_dir",
    "data_dir",
    "model_path",
    "sha256_file",
    "verify_file",
]
