"""Notebook 02's exercises: the common mistakes each must reject (WRONG) and further checks."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import exercises as ex


def solutions_agree_with_the_package():
    rng = np.random.default_rng(5)
    F, G = rng.standard_normal((40, 3)) + 1.0, rng.standard_normal((40, 4))
    assert ex.solution("02.cca_r2")(F, G) == pytest.approx(cl.alignment.cca_r2(F, G))
    # the spectral contrastive loss by an explicit double loop
    z, zp = rng.standard_normal((5, 2)) + 2.0, rng.standard_normal((5, 2))
    zc, zpc = z - z.mean(0), zp - zp.mean(0)
    loop = -np.mean([zc[i] @ zpc[i] for i in range(5)]) + 0.5 * np.mean(
        [(zc[i] @ zpc[j]) ** 2 for i in range(5) for j in range(5) if i != j])
    assert ex.solution("02.spectral_contrastive")(z, zp) == pytest.approx(loop)


def uncentred(z, z_pos):            # forgets the centring
    return (-np.mean(np.sum(z * z_pos, axis=1))
            + 0.5 * np.mean((z @ z_pos.T)[~np.eye(len(z), dtype=bool)] ** 2))


def with_diagonal(z, z_pos):        # counts the positive pairs as negatives too
    z, z_pos = z - z.mean(0), z_pos - z_pos.mean(0)
    return -np.mean(np.sum(z * z_pos, axis=1)) + 0.5 * np.mean((z @ z_pos.T) ** 2)


def no_half(z, z_pos):              # drops the 1/2
    z, z_pos = z - z.mean(0), z_pos - z_pos.mean(0)
    G = z @ z_pos.T
    return -np.mean(np.diag(G)) + np.mean(G[~np.eye(len(z), dtype=bool)] ** 2)


def cca_uncentred(F, G):
    Qf, _ = np.linalg.qr(F)
    Qg, _ = np.linalg.qr(G)
    rho = np.linalg.svd(Qf.T @ Qg, compute_uv=False)
    return np.sum(rho ** 2) / min(F.shape[1], G.shape[1])


def cca_mean_not_squared(F, G):
    Qf, _ = np.linalg.qr(F - F.mean(0))
    Qg, _ = np.linalg.qr(G - G.mean(0))
    return np.mean(np.linalg.svd(Qf.T @ Qg, compute_uv=False))


def cca_over_max(F, G):             # divides by max(p, q)
    Qf, _ = np.linalg.qr(F - F.mean(0))
    Qg, _ = np.linalg.qr(G - G.mean(0))
    return np.sum(np.linalg.svd(Qf.T @ Qg, compute_uv=False) ** 2) / max(F.shape[1], G.shape[1])


WRONG = [
    ("02.spectral_contrastive", uncentred, "expected"),
    ("02.spectral_contrastive", with_diagonal, "expected"),
    ("02.spectral_contrastive", no_half, "expected"),
    ("02.spectral_contrastive", lambda z, zp: np.array([0.0, 1.0]), "one number"),
    ("02.cca_r2", cca_uncentred, "expected"),
    ("02.cca_r2", cca_mean_not_squared, "expected"),
    ("02.cca_r2", cca_over_max, "expected"),
    ("02.cca_r2", lambda F, G: "0.5", "text"),
]


#: Further checks of this bank (each run as a test by test_banks.py).
CHECKS = [solutions_agree_with_the_package]
