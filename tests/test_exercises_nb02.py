"""Exercises of notebook 02: placeholders fail with the hint, solutions pass, wrong answers fail."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import exercises as ex

NAMES = ["02.cca_r2", "02.spectral_contrastive"]


def test_the_bank_registers_every_exercise():
    assert ex.names("02") == NAMES


def test_solutions_agree_with_the_package():
    rng = np.random.default_rng(5)
    F, G = rng.standard_normal((40, 3)) + 1.0, rng.standard_normal((40, 4))
    assert ex.solution("02.cca_r2")(F, G) == pytest.approx(cl.alignment.cca_r2(F, G))
    # the spectral contrastive loss by an explicit double loop
    z, zp = rng.standard_normal((5, 2)) + 2.0, rng.standard_normal((5, 2))
    zc, zpc = z - z.mean(0), zp - zp.mean(0)
    loop = -np.mean([zc[i] @ zpc[i] for i in range(5)]) + 0.5 * np.mean(
        [(zc[i] @ zpc[j]) ** 2 for i in range(5) for j in range(5) if i != j])
    assert ex.solution("02.spectral_contrastive")(z, zp) == pytest.approx(loop)


def test_wrong_answers_fail(monkeypatch):
    monkeypatch.delenv(ex.ENV_VAR, raising=False)

    def uncentred(z, z_pos):            # forgets the centring
        return (-np.mean(np.sum(z * z_pos, axis=1))
                + 0.5 * np.mean((z @ z_pos.T)[~np.eye(len(z), dtype=bool)] ** 2))

    def with_diagonal(z, z_pos):        # counts the positive pairs as negatives too
        z, z_pos = z - z.mean(0), z_pos - z_pos.mean(0)
        return -np.mean(np.sum(z * z_pos, axis=1)) + 0.5 * np.mean((z @ z_pos.T) ** 2)

    for wrong in (uncentred, with_diagonal):
        fb = cl.exercises.check("02.spectral_contrastive", wrong)
        assert not fb.passed and "expected" in fb.message

    def cca_uncentred(F, G):
        Qf, _ = np.linalg.qr(F)
        Qg, _ = np.linalg.qr(G)
        rho = np.linalg.svd(Qf.T @ Qg, compute_uv=False)
        return np.sum(rho ** 2) / min(F.shape[1], G.shape[1])

    def cca_mean_not_squared(F, G):
        Qf, _ = np.linalg.qr(F - F.mean(0))
        Qg, _ = np.linalg.qr(G - G.mean(0))
        return np.mean(np.linalg.svd(Qf.T @ Qg, compute_uv=False))

    for wrong in (cca_uncentred, cca_mean_not_squared):
        fb = cl.exercises.check("02.cca_r2", wrong)
        assert not fb.passed and "expected" in fb.message
