"""Exercises of notebook 13 (which similarity measure: the exact distance, calibration)."""

import numpy as np

from . import as_number, call, compare_numbers, register


# ---------------------------------------------------------------------- 13.true_distance
def _orthonormal_centred(M):
    U, s, _ = np.linalg.svd(M - M.mean(axis=0), full_matrices=False)
    return U[:, s > 1e-10 * s[0]]


def _distance(F, mu):
    cos = np.linalg.svd(_orthonormal_centred(mu).T @ _orthonormal_centred(F), compute_uv=False)
    return float(1.0 - np.sum(np.clip(cos, 0, 1) ** 2) / mu.shape[1])


def _cases():
    rng = np.random.default_rng(1301)
    N = 40
    Q, _ = np.linalg.qr(rng.normal(size=(N, 6)) - 0.0)
    Q = _orthonormal_centred(Q) * np.sqrt(N)           # centred, orthonormal columns
    mu, low = Q[:, :2], Q[:, 2:4]
    t = np.deg2rad(40)
    return [
        (np.cos(t) * mu + np.sin(t) * low, mu),                        # sin^2 40 deg
        (mu @ np.array([[3.0, 1.0], [0.0, 0.2]]) + 4.0, mu),           # same span, offset
        (np.hstack([mu[:, :1] * 5, rng.normal(size=(N, 1))]), mu),     # half the span + noise
    ]


def _check_true_distance(func):
    for F, mu in _cases():
        expected = _distance(F, mu)
        got = as_number(call(func, F, mu), what="the distance")
        raw = float(1 - np.sum(np.clip(np.linalg.svd(
            (mu / np.linalg.norm(mu, axis=0)).T @ (F / np.linalg.norm(F, axis=0)),
            compute_uv=False), 0, 1) ** 2) / mu.shape[1])
        if abs(got - raw) < 1e-9 and abs(got - expected) > 1e-6:
            return False, ("the columns of F are not orthonormal (nor centred): principal "
                           "angles need an orthonormal basis of each centred span (QR or SVD)")
        if abs(got - (1 - expected)) < 1e-9 and abs(got - expected) > 1e-6:
            return False, "that is the mean cos^2 (R2_CCA); the distance is 1 minus it"
        passed, message = compare_numbers(got, expected, atol=1e-8,
                                          what="1 - mean cos^2 of the principal angles")
        if not passed:
            return False, message
    return True, ("the distance is right on a 40 degree rotation (sin^2 40 = 0.413), an "
                  "offset invertible map (0) and half a span")


def _true_distance_solution(F, mu):
    def basis(M):
        U, s, _ = np.linalg.svd(M - M.mean(axis=0), full_matrices=False)
        return U[:, s > 1e-10 * s[0]]

    cos = np.linalg.svd(basis(mu).T @ basis(F), compute_uv=False)
    return 1.0 - np.sum(np.clip(cos, 0, 1) ** 2) / mu.shape[1]


register(
    "13.true_distance",
    prompt="write distance(F, mu): F (N, p) an encoder and mu (N, d) the exact functions on "
           "N equally likely inputs; return 1 - (1/d) sum_i cos^2 theta_i, theta_i the "
           "principal angles between the column spans of the centred F and centred mu",
    nudge="the cosines of the principal angles are the singular values of Q_mu^T Q_F, with "
          "Q an orthonormal basis of each centred span",
    hint="centre each matrix (subtract the column means), take U of its SVD (keep the "
         "columns with a non-zero singular value), then np.linalg.svd(Qm.T @ Qf, "
         "compute_uv=False) gives the cosines; square, sum, divide by d",
    checker=_check_true_distance,
    solution=_true_distance_solution,
    starter='''\
def distance(F, mu):
    return cl.exercises.TODO   # your code here

cl.exercises.check("13.true_distance", distance)
''',
)


# ---------------------------------------------------------------------- 13.calibrate
def _check_calibrate(func):
    rng = np.random.default_rng(1302)
    cases = [(0.62, rng.uniform(0.2, 0.4, size=20)), (0.31, rng.uniform(0.25, 0.35, size=30)),
             (0.9, np.full(5, 0.1) + rng.normal(scale=0.01, size=5))]
    for score, null in cases:
        m = float(np.mean(null))
        expected = (score - m) / (1 - m)
        got = as_number(call(func, score, null), what="the calibrated score")
        if abs(got - (score - m)) < 1e-9 and abs(got - expected) > 1e-6:
            return False, ("that is the excess over the null's mean; divide by 1 - mean so "
                           "that a perfect score stays 1")
        if abs(got - (score - m) / np.std(null, ddof=1)) < 1e-9 or \
                abs(got - (score - m) / np.std(null)) < 1e-9:
            return False, ("that is a z-score (it grows with n and the number of "
                           "permutations); the lab's calibration is (s - mean) / (1 - mean)")
        passed, message = compare_numbers(got, expected, atol=1e-9,
                                          what=f"the calibrated score of {score}")
        if not passed:
            return False, message
    return True, "0 at the null's mean, 1 at a perfect score: chance-corrected like kappa"


def _calibrate_solution(score, null):
    m = float(np.mean(null))
    return (score - m) / (1 - m)


register(
    "13.calibrate",
    prompt="write calibrate(score, null): the chance-corrected score (score - m) / (1 - m), "
           "m the mean of the permutation null's values (an array)",
    nudge="one mean and one division: 0 at the null's mean and 1 at a perfect score 1",
    hint="m = np.mean(null); return (score - m) / (1 - m)",
    checker=_check_calibrate,
    solution=_calibrate_solution,
    starter='''\
def calibrate(score, null):
    return cl.exercises.TODO   # your code here

cl.exercises.check("13.calibrate", calibrate)
''',
)
