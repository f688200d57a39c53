"""Linear-algebra helpers shared by the sample metrics (:mod:`.alignment`) and the
population quantities (:mod:`.compatibility`)."""

from __future__ import annotations

import numpy as np

#: Relative size below which a centred representation counts as constant.
CONSTANT_RTOL = 1e-12


def svd_basis(Fc, rtol: float):
    """Left singular vectors and values of ``Fc``, numerical rank only.

    Parameters
    ----------
    Fc : ndarray of shape (n, k)
        Usually a centred representation.
    rtol : float
        Singular values at or below ``rtol * s_max`` count as zero.

    Returns
    -------
    U : ndarray of shape (n, r)
        Orthonormal columns spanning the numerical column space (r = numerical rank).
    s : ndarray of shape (r,)
        The kept singular values, largest first.

    Examples
    --------
    >>> U, s = svd_basis(np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]]), 1e-10)
    >>> U.shape, round(float(s[0]) ** 2, 6)
    ((3, 1), 25.0)
    """
    U, s, _ = np.linalg.svd(Fc, full_matrices=False)
    if s.size == 0 or s[0] == 0:
        return U[:, :0], s[:0]
    keep = s > rtol * s[0]
    return U[:, keep], s[keep]
