"""Notebook 12's exercises: the common mistakes each must reject (WRONG), and the references
held against the package's loader and distance correlation (CHECKS)."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import exercises as ex
from contexture_lab.datasets import tabular

ONE_HOT = {"A": (1, 0, 0, 0), "C": (0, 1, 0, 0), "G": (0, 0, 1, 0), "T": (0, 0, 0, 1),
           "N": (0, 0, 0, 0)}
N_ZERO = {"A": (1, 0, 0), "C": (0, 1, 0), "G": (0, 0, 1), "T": (0, 0, 0), "N": (0, 0, 0)}
SWAPPED = {"A": (0, 1, 0), "C": (1, 0, 0), "G": (0, 0, 1), "T": (0, 0, 0), "N": (0, 0, 1)}


def _encoder(codes, flat=True):
    def encode(seq):
        out = np.array([codes[c] for c in seq], dtype=float)
        return out.ravel() if flat else out
    return encode


def _centred(u):
    a = np.abs(u[:, None] - u[None, :])
    return a - a.mean(0) - a.mean(1)[:, None] + a.mean()


WRONG = [
    ("12.dna_encoding", _encoder(ONE_HOT), "4 columns per base"),
    ("12.dna_encoding", _encoder(N_ZERO), "coded like G"),
    ("12.dna_encoding", _encoder(SWAPPED), "expected"),
    ("12.dna_encoding", _encoder(N_ZERO | {"N": (0, 0, 1)}, flat=False), "flat row"),
    ("12.distance_correlation", lambda u, v: abs(np.corrcoef(u, v)[0, 1]), "Pearson"),
    ("12.distance_correlation",
     lambda u, v: ex.solution("12.distance_correlation")(u, v) ** 2, "squared"),
    ("12.distance_correlation",       # no double centring
     lambda u, v: float(np.sqrt(np.mean(np.abs(u[:, None] - u) * np.abs(v[:, None] - v)) /
                                np.sqrt(np.mean((u[:, None] - u) ** 2) *
                                        np.mean((v[:, None] - v) ** 2)))), "expected"),
    ("12.distance_correlation",       # dCov^2 without normalising
     lambda u, v: float(np.mean(_centred(u) * _centred(v))), "expected"),
]


def dna_encoding_solution_agrees_with_the_loader():
    ds = tabular.load_tabular("dna")
    first = [c.strip() for c in tabular._verified("splice").read_text().splitlines()[0]
             .split(",")][:-1]
    np.testing.assert_array_equal(ex.solution("12.dna_encoding")("".join(first)), ds.X[0])


def distance_correlation_solution_agrees_with_the_package():
    rng = np.random.default_rng(0)
    u, v = rng.normal(size=30), rng.normal(size=30)
    assert ex.solution("12.distance_correlation")(u, u ** 3 + v) == pytest.approx(
        cl.association.distance_correlation(u, u ** 3 + v))


CHECKS = [dna_encoding_solution_agrees_with_the_loader,
          distance_correlation_solution_agrees_with_the_package]
