"""Exercises of notebook 02 (learning the contexture with neural encoders)."""

import numpy as np

from . import call, compare_numbers, register


def _batches():
    """Fixed test batches (z, z_pos): offsets (so centring matters), several sizes."""
    rng = np.random.default_rng(202)
    out = []
    for b, d, shift in ((6, 3, 2.0), (10, 2, -1.0), (5, 4, 0.5)):
        z = rng.standard_normal((b, d)) + shift
        out.append((z, 0.6 * z + 0.8 * rng.standard_normal((b, d)) + shift))
    return out


def _package_loss(z, z_pos):
    import torch

    from ..objectives import spectral_contrastive

    return float(spectral_contrastive(torch.as_tensor(z), torch.as_tensor(z_pos)))


def _check_spectral_contrastive(func):
    for i, (z, z_pos) in enumerate(_batches()):
        expected = _package_loss(z, z_pos)
        passed, message = compare_numbers(call(func, z, z_pos), expected, atol=1e-8,
                                          rtol=1e-8, what=f"the loss on test batch {i + 1} "
                                                          f"(shape {z.shape})")
        if not passed:
            return passed, message
    return True, "matches cl.objectives.spectral_contrastive on all test batches"


def _spectral_contrastive_solution(z, z_pos):
    z = z - z.mean(axis=0)
    z_pos = z_pos - z_pos.mean(axis=0)
    b = z.shape[0]
    positive = -np.mean(np.sum(z * z_pos, axis=1))
    gram = z @ z_pos.T
    off_diagonal = gram[~np.eye(b, dtype=bool)]
    return positive + 0.5 * np.mean(off_diagonal ** 2)


register(
    "02.spectral_contrastive",
    prompt="write my_spectral_contrastive(z, z_pos) for numpy arrays (b, d): centre both over "
           "the batch, then return -mean_i <z_i, z+_i> + 1/2 mean_{i != j} <z_i, z+_j>^2",
    nudge="centre both batches first, then compute every inner product <z_i, z+_j> at "
          "once: one (b, b) matrix",
    hint="the positive pairs are the diagonal of that matrix and the negatives the "
         "b(b-1) entries off it (a boolean mask picks them out); the loss is minus "
         "the mean of the diagonal plus half the mean of the squared off-diagonal "
         "entries",
    checker=_check_spectral_contrastive,
    solution=_spectral_contrastive_solution,
    starter='''\
def my_spectral_contrastive(z, z_pos):
    # z, z_pos: numpy arrays (b, d); row i of each is one positive pair
    return cl.exercises.TODO   # your code here

cl.exercises.check("02.spectral_contrastive", my_spectral_contrastive)
''',
)


def _cca_pairs():
    """Test pairs (F, G): an invertible non-orthogonal map with offsets, unrelated
    features of different widths, and a partly shared span."""
    rng = np.random.default_rng(2020)
    F = rng.standard_normal((80, 4)) + 3.0
    shared = rng.standard_normal((80, 2))
    return [(F, F @ rng.standard_normal((4, 4)) - 5.0),
            (rng.standard_normal((50, 3)), rng.standard_normal((50, 5)) + 1.0),
            (np.c_[shared, rng.standard_normal((80, 2))],
             np.c_[shared @ [[1.0, 2.0], [0.5, -1.0]], rng.standard_normal((80, 1))] + 2.0)]


def _cca_reference(F, G):
    # independent of the package: whiten with the inverse Cholesky factor of the covariance
    X, Y = F - F.mean(axis=0), G - G.mean(axis=0)
    Lx = np.linalg.cholesky(X.T @ X)
    Ly = np.linalg.cholesky(Y.T @ Y)
    M = np.linalg.solve(Lx, X.T @ Y) @ np.linalg.inv(Ly).T
    rho = np.linalg.svd(M, compute_uv=False)
    return float(np.sum(rho ** 2) / min(F.shape[1], G.shape[1]))


def _check_cca_r2(func):
    for i, (F, G) in enumerate(_cca_pairs()):
        expected = _cca_reference(F, G)
        passed, message = compare_numbers(call(func, F, G), expected, atol=1e-8,
                                          what=f"R2_CCA on test pair {i + 1} (shapes "
                                               f"{F.shape}, {G.shape})")
        if not passed:
            return passed, message
    return True, "R2_CCA matches on all test pairs (offsets, widths, a non-orthogonal map)"


def _cca_r2_solution(F, G):
    Qf, _ = np.linalg.qr(F - F.mean(axis=0))
    Qg, _ = np.linalg.qr(G - G.mean(axis=0))
    rho = np.linalg.svd(Qf.T @ Qg, compute_uv=False)
    return np.sum(rho ** 2) / min(F.shape[1], G.shape[1])


register(
    "02.cca_r2",
    prompt="write my_cca_r2(F, G) for F (n, p), G (n, q) of full column rank: centre both, "
           "take orthonormal bases of their column spans, and return the mean over "
           "min(p, q) of the squared canonical correlations (the singular values of Qf^T Qg)",
    nudge="centre the columns of F and of G first: otherwise the constant direction "
          "counts as one they share",
    hint="an orthonormal basis of a column span is the Q of a QR decomposition (numpy "
         "returns the pair Q, R); the canonical correlations are the singular values "
         "of the product of the two bases, one of them transposed; square, add up, "
         "divide by min(p, q)",
    checker=_check_cca_r2,
    solution=_cca_r2_solution,
    starter='''\
def my_cca_r2(F, G):
    return cl.exercises.TODO   # your code here

cl.exercises.check("02.cca_r2", my_cca_r2)
''',
)
