"""Offline data sets: small built-ins (:mod:`~contexture_lab.datasets.builtin`) and the
artefact table of the files read from pinned packages
(:mod:`~contexture_lab.datasets.artefacts`)."""

from . import artefacts, builtin
from .artefacts import (HashMismatchError, artefact_path, data_dir, sha256_file,
                        verify_file)
from .builtin import (Digits, graph_layout, grid_graph, karate_club, load_digits,
                      ring_graph, swiss_roll)

__all__ = ["Digits", "HashMismatchError", "artefact_path", "artefacts", "builtin",
           "data_dir", "graph_layout", "grid_graph", "karate_club", "load_digits",
           "ring_graph", "sha256_file", "swiss_roll", "verify_file"]
