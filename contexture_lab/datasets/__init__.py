"""Offline data sets: small built-ins (:mod:`~contexture_lab.datasets.builtin`), the real
tabular and image sets of the replication (:mod:`~contexture_lab.datasets.tabular`), and the
artefact table of the files read from pinned packages (:mod:`~contexture_lab.datasets.artefacts`).
"""

from . import artefacts, builtin, tabular
from .artefacts import (
                        HashMismatchError,
                        artefact_path,
                        data_dir,
                        sha256_file,
                        verify_file,
)
from .builtin import (
                        Digits,
                        graph_layout,
                        grid_graph,
                        karate_club,
                        load_digits,
                        ring_graph,
                        swiss_roll,
)
from .tabular import MNIST5k, TabularData, load_mnist_5k, load_tabular, tabular_names

__all__ = ["Digits", "HashMismatchError", "MNIST5k", "TabularData", "artefact_path",
           "artefacts", "builtin", "data_dir", "graph_layout", "grid_graph", "karate_club",
           "load_digits", "load_mnist_5k", "load_tabular", "ring_graph", "sha256_file",
           "swiss_roll", "tabular", "tabular_names", "verify_file"]
