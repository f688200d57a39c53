"""Loss functions whose minimisers learn the contexture (THEORY.md section 4).

Pure torch functions of a batch of embeddings: no sampling, no models, no state. The
training loop (:mod:`contexture_lab.training`) draws the pairs and calls them. Shapes:
``b`` is the batch size, ``d`` the embedding dimension.

Which span each minimiser reaches (population version, X and A finite):

========================  ===================================================  ==============
objective                 pairs it sees                                        learns
========================  ===================================================  ==============
spectral_contrastive      two inputs sharing a context, x -> a -> x+           mu_1..mu_d
non_contrastive           same pairs; Cov constrained by var/cov penalties     mu_1..mu_d
svme                      (x, a) with a ~ P+(.|x); Phi on X, Psi on A          mu_1..mu_d
kise                      a batch of x and the batch Gram of k_X+              mu_1..mu_d
laplacian                 graph edges (x, a), A a node of the same graph       see below
supervised                (x, a): predict a one-hot of a, class-balanced       mu_1..mu_d
dae                       (x, a): reconstruct a's features from Phi(x)         a reweighting
likelihood                (x, a): predict a by a softmax over the M values      the PMI span
========================  ===================================================  ==============

Why (THEORY.md section 4). Under Cov(Phi) = I, ``non_contrastive``, ``svme``, ``kise`` (with
the dual kernel) and ``supervised`` equal a constant minus the sum of the eigenvalues s_i^2
of TT* that Phi captures. ``spectral_contrastive`` is not of that form: it is an
Eckart-Young low-rank objective ([ICML] App. A.4), minimised by Phi = (s_1 mu_1, ...,
s_d mu_d) up to rotation, with minimum -1/2 sum_{i<=d} s_i^4. ``laplacian`` is the quadratic
form Phi^T (D_x + D_a - P - P^T) Phi (P the joint matrix, D_x, D_a its marginals on the
diagonal): its minimiser under Cov(Phi) = I solves a generalised eigenproblem with D_x, which
is the contexture for an undirected graph with P_X proportional to degree ([ICML] Thm 12),
and only close to it for a directed context such as KNN. ``dae`` learns the contexture
reweighted by a linear kernel (:func:`contexture_lab.training.dae_span`). ``likelihood``
is a generative objective (softmax cross-entropy, as in skip-gram or masked-token
prediction): its minimiser matches log P+(a|x) up to constants, so it factorises the
pointwise mutual information, not T (:mod:`contexture_lab.generative`).

Every embedding is centred over the batch before it enters a loss: the constant function
(s_0 = 1) is then never learned, so d dimensions go to mu_1..mu_d.
"""

from __future__ import annotations

import torch

#: Default weights of the VICReg-style anti-collapse terms.
VAR_WEIGHT = 10.0
COV_WEIGHT = 10.0


def _check_embedding(t, name: str, *, min_rows: int = 1) -> None:
    """A 2-D real floating-point tensor with ``min_rows`` rows and at least one column."""
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if t.ndim != 2:
        raise ValueError(f"{name} must be 2-D (batch, dim), got shape {tuple(t.shape)}")
    if not t.dtype.is_floating_point:
        raise TypeError(f"{name} has dtype {t.dtype}; expected a real floating-point tensor "
                        "(e.g. torch.float32 or torch.float64)")
    if t.shape[0] < min_rows or t.shape[1] == 0:
        raise ValueError(f"{name} has shape {tuple(t.shape)}; expected at least {min_rows} "
                         "row(s) and one column")


def _check_pair(z, z_pos, names=("z", "z_pos")):
    for t, name in zip((z, z_pos), names):
        _check_embedding(t, name)
    if z.shape != z_pos.shape:
        raise ValueError(f"{names[0]} has shape {tuple(z.shape)} and {names[1]} "
                         f"{tuple(z_pos.shape)}; expected the same (batch, dim)")
    if z.shape[0] < 2:
        raise ValueError(f"need a batch of at least 2 rows, got {z.shape[0]}")


def _weights(weights, b, like):
    """Batch weights (b,) summing to 1; uniform when ``weights`` is None."""
    if weights is None:
        return torch.full((b,), 1.0 / b, dtype=like.dtype, device=like.device)
    if isinstance(weights, torch.Tensor) and weights.is_complex():
        raise TypeError(f"weights has complex dtype {weights.dtype}; expected real numbers")
    weights = torch.as_tensor(weights, dtype=like.dtype, device=like.device)
    if weights.shape != (b,):
        raise ValueError(f"weights must have shape ({b},), got {tuple(weights.shape)}")
    if not bool(torch.isfinite(weights).all()) or bool((weights < 0).any()) \
            or not float(weights.sum()) > 0:
        raise ValueError("weights must be finite, >= 0 and have a positive sum; got values in "
                         f"[{float(weights.min()):.3g}, {float(weights.max()):.3g}]")
    return weights / weights.sum()


def centre(z, weights=None):
    """z minus its (weighted) batch mean.

    Parameters
    ----------
    z : torch.Tensor, shape (b, d)
        A batch of embeddings (real floating point).
    weights : array-like or torch.Tensor, shape (b,), default=None
        Non-negative batch weights with a positive sum; ``None`` weighs the rows equally.

    Returns
    -------
    torch.Tensor, shape (b, d)
        ``z - w @ z`` with ``w`` the normalised weights: its weighted mean is 0.

    Examples
    --------
    >>> import torch
    >>> centre(torch.tensor([[1.0, 2.0], [3.0, 6.0]]))
    tensor([[-1., -2.],
            [ 1.,  2.]])
    """
    _check_embedding(z, "z")
    w = _weights(weights, z.shape[0], z)
    return z - w @ z


def variance_covariance_penalty(z, weights=None, eps: float = 1e-4):
    """VICReg-style anti-collapse terms (Bardes et al. 2022) for a batch z (b, d).

    Returns ``(variance, covariance)``: the mean hinge ``relu(1 - std_j)`` over the d
    coordinates, and the sum of squared off-diagonal covariances divided by d. Both are
    zero exactly when Cov(z) has unit-or-larger variances and no correlations, so together
    they approximate the constraint Cov(Phi) = I. ``weights`` (b,) turn the batch into a
    weighted sample (e.g. the marginal p_x in full-batch training).

    Parameters
    ----------
    z : torch.Tensor, shape (b, d)
        A batch of embeddings, b >= 2.
    weights : array-like or torch.Tensor, shape (b,), default=None
        Batch weights; ``None`` weighs the rows equally.
    eps : float, default=1e-4
        Added to each variance before its square root.

    Returns
    -------
    variance : torch.Tensor, shape ()
    covariance : torch.Tensor, shape ()

    Examples
    --------
    >>> import torch
    >>> v, c = variance_covariance_penalty(torch.tensor([[1.0, 0.0], [-1.0, 0.0]]))
    >>> round(float(v), 4), float(c)     # the second coordinate has collapsed
    (0.495, 0.0)
    """
    # an unweighted covariance needs two rows (the unbiased b / (b - 1) factor)
    _check_embedding(z, "z", min_rows=1 if weights is not None else 2)
    b, d = z.shape
    w = _weights(weights, b, z)
    zc = z - w @ z
    cov = (zc * w[:, None]).T @ zc
    if weights is None:
        cov = cov * (b / (b - 1))  # unbiased for an i.i.d. batch
    std = torch.sqrt(torch.diagonal(cov) + eps)
    variance = torch.relu(1.0 - std).mean()
    off = cov - torch.diag(torch.diagonal(cov))
    covariance = (off ** 2).sum() / d
    return variance, covariance


def _penalty(zs, weights, var_weight, cov_weight):
    total = 0.0
    for z in zs:
        v, c = variance_covariance_penalty(z, weights)
        total = total + var_weight * v + cov_weight * c
    return total


def spectral_contrastive(z, z_pos):
    """Spectral contrastive loss (HaoChen et al. 2021) on centred embeddings.

    ``-E<z, z+> + 1/2 E_{i != j}<z_i, z+_j>^2``: the first term pulls the two members of
    a positive pair together, the second pushes embeddings of independent draws apart.

    Parameters
    ----------
    z, z_pos : Tensor, shape (b, d)
        Row i of each is one member of the i-th positive pair. Rows i != j are treated as
        independent draws (negatives).

    Returns
    -------
    Tensor, shape (): the loss. Its population minimiser spans the top-d eigenfunctions of
    the positive-pair kernel (without the constant, because of the centring); its minimum is
    -1/2 sum_{i<=d} s_i^4.
    """
    _check_pair(z, z_pos)
    z, z_pos = centre(z), centre(z_pos)
    b = z.shape[0]
    paired = (z * z_pos).sum(dim=1)
    # sum_{i != j} <z_i, z+_j>^2 = <Z^T Z, Z+^T Z+>_F - sum_i <z_i, z+_i>^2: O(b d^2), no b x b
    all_pairs = ((z.T @ z) * (z_pos.T @ z_pos)).sum()
    negative = 0.5 * (all_pairs - (paired ** 2).sum()) / (b * (b - 1))
    return -paired.mean() + negative


def non_contrastive(z, z_pos, *, var_weight: float = VAR_WEIGHT,
                    cov_weight: float = COV_WEIGHT):
    """Non-contrastive loss: ``E||z - z+||^2`` with VICReg-style variance/covariance terms.

    Parameters
    ----------
    z, z_pos : Tensor, shape (b, d)
        The two members of each positive pair.
    var_weight, cov_weight : float, default=10.0
        Weights of :func:`variance_covariance_penalty`, applied to both z and z_pos.

    Returns
    -------
    Tensor, shape (). With Cov(z) = I the invariance term is 2 sum_j (1 - lambda_j) for the
    kernel eigenvalues lambda_j captured, so the minimiser spans the top-d eigenfunctions.
    """
    _check_pair(z, z_pos)
    invariance = ((centre(z) - centre(z_pos)) ** 2).sum(dim=1).mean()
    return invariance + _penalty((z, z_pos), None, var_weight, cov_weight)


#: Where :func:`svme` puts its anti-collapse terms: on the input encoder (the source's
#: placement, the default) or on the context encoder (a variant).
SVME_PLACEMENTS = ("phi", "psi")


def svme(phi, psi, *, anti_collapse: str = "phi", var_weight: float = VAR_WEIGHT,
         cov_weight: float = COV_WEIGHT):
    """The dissertation's two-encoder objective (SVME) for a sampled context.

    ``E||Phi~(x) - Psi~(a)||^2`` over pairs a ~ P+(.|x) (``~`` = centred over the batch),
    plus variance/covariance terms that keep one encoder from collapsing.

    * ``anti_collapse="phi"`` (default): the terms act on the centred Phi, as in the
      dissertation (THEORY.md section 4; the author's ``knowledge/learner.py`` applies its
      VICReg terms to the centred Phi). For a fixed Phi the best Psi is the conditional mean
      T* Phi (a -> E[Phi(X) | a]), and under Cov(Phi) = I the loss is
      d - ||T* Phi~||^2 = sum_j (1 - s_j^2) over the directions captured: the minimiser has
      Phi = mu_1..mu_d (up to rotation) and Psi = T* Phi = (s_1 nu_1, ..., s_d nu_d).
    * ``anti_collapse="psi"`` (a variant, not the source's): the terms act on Psi. Then the
      best Phi for a fixed Psi is T Psi, the minimiser has Psi = nu_1..nu_d and
      Phi = T Psi = (s_1 mu_1, ..., s_d mu_d): the same span of Phi, another scaling.

    Parameters
    ----------
    phi : Tensor, shape (b, d)
        Phi(x_i), the input encoder.
    psi : Tensor, shape (b, d)
        Psi(a_i), the context encoder, at one a_i ~ P+(.|x_i) per row.
    anti_collapse : {"phi", "psi"}, default="phi"
        The encoder that carries the variance/covariance terms.
    var_weight, cov_weight : float, default=10.0
        Weights of :func:`variance_covariance_penalty`.

    Returns
    -------
    Tensor, shape ().
    """
    _check_pair(phi, psi, ("phi", "psi"))
    if anti_collapse not in SVME_PLACEMENTS:
        raise ValueError(f"anti_collapse must be one of {SVME_PLACEMENTS}, got "
                         f"{anti_collapse!r}")
    distance = ((centre(phi) - centre(psi)) ** 2).sum(dim=1).mean()
    constrained = phi if anti_collapse == "phi" else psi
    return distance + _penalty((constrained,), None, var_weight, cov_weight)


def kise(z, gram, weights=None, *, var_weight: float = VAR_WEIGHT,
         cov_weight: float = COV_WEIGHT):
    """The dissertation's kernel objective (KISE): a Rayleigh quotient on the batch Gram.

    ``E||Phi~||^2 - <Phi~, T_k Phi~>`` with ``<Phi~, T_k Phi~> = sum_ij w_i w_j k(x_i, x_j)
    <Phi~_i, Phi~_j>``, plus variance/covariance terms on Phi. Under Cov(Phi) = I this is
    sum_j (1 - lambda_j) for the kernel eigenvalues captured: the minimiser spans the top-d
    eigenfunctions of T_k (for the dual kernel k_X+: mu_1..mu_d, lambda_j = s_j^2).

    Parameters
    ----------
    z : Tensor, shape (b, d)
        Phi(x_i) for the batch.
    gram : Tensor, shape (b, b)
        The context's kernel on the batch, k(x_i, x_j) (symmetric).
    weights : Tensor, shape (b,), optional
        Probability of each batch point; uniform by default. With the whole input set as the
        batch and ``weights = p_x`` the value is the exact population objective.
    var_weight, cov_weight : float, default=10.0

    Returns
    -------
    Tensor, shape ().
    """
    if not isinstance(z, torch.Tensor) or z.ndim != 2:
        raise ValueError(f"z must be a 2-D torch.Tensor (batch, dim), got "
                         f"{getattr(z, 'shape', type(z).__name__)}")
    _check_embedding(z, "z", min_rows=1 if weights is not None else 2)
    b = z.shape[0]
    if not isinstance(gram, torch.Tensor) or gram.shape != (b, b):
        raise ValueError(f"gram must be a ({b}, {b}) torch.Tensor matching the batch, got "
                         f"{tuple(getattr(gram, 'shape', ())) or type(gram).__name__}")
    if gram.is_complex():
        raise TypeError(f"gram has complex dtype {gram.dtype}; expected real numbers")
    gram = gram.to(z.dtype)   # a float64 kernel with float32 embeddings (or the reverse)
    w = _weights(weights, b, z)
    zc = z - w @ z
    norm = (w * (zc ** 2).sum(dim=1)).sum()
    wz = zc * w[:, None]
    quadratic = (wz * (gram @ wz)).sum()
    return norm - quadratic + _penalty((z,), weights, var_weight, cov_weight)


def laplacian(z, z_neighbour, *, var_weight: float = VAR_WEIGHT,
              cov_weight: float = COV_WEIGHT):
    """Laplacian-eigenmap objective: ``E_(u,v)~edges ||Phi(u) - Phi(v)||^2`` with Cov = I.

    Parameters
    ----------
    z : Tensor, shape (b, d)
        Phi(u) at nodes u ~ p_x.
    z_neighbour : Tensor, shape (b, d)
        Phi(v) at one neighbour v ~ P+(.|u) of each (same encoder, same graph).
    var_weight, cov_weight : float, default=10.0
        Anti-collapse terms on ``z`` (the covariance is taken under p_x).

    Returns
    -------
    Tensor, shape (). In the population the distance term is
    tr Phi^T (D_x + D_a - P - P^T) Phi (P the N x N joint matrix, D_x, D_a its marginals on
    the diagonal), so under Cov(Phi) = I the minimiser spans the generalised eigenvectors
    (L v = lambda D_x v) with the d smallest non-zero eigenvalues. For a symmetric graph
    context (P_X proportional to degree) these are the eigenvectors of D^-1 W with the
    largest eigenvalues, i.e. the contexture when none of them is negative ([ICML] Thm 12);
    for a directed context (a KNN graph) they are close to the contexture, not equal to it.
    """
    _check_pair(z, z_neighbour, ("z", "z_neighbour"))
    distance = ((z - z_neighbour) ** 2).sum(dim=1).mean()
    return distance + _penalty((z,), None, var_weight, cov_weight)


def _target_probabilities(targets, b: int, m: int, like):
    """Targets as probabilities (b, m): integer classes (b,) become one-hot rows, float
    rows (b, m) are taken as they are (each a distribution P+(. | x_i))."""
    targets = torch.as_tensor(targets, device=like.device)
    if targets.is_complex() or targets.dtype == torch.bool:
        raise TypeError(f"targets has dtype {targets.dtype}; expected integer class indices "
                        "or floating-point probabilities")
    if targets.dtype.is_floating_point:
        if targets.shape != (b, m):
            raise ValueError(f"probability targets must have shape ({b}, {m}), got "
                             f"{tuple(targets.shape)}")
        return targets.to(like.dtype)
    if targets.shape != (b,):
        raise ValueError(f"integer targets must be {b} class indices, got shape "
                         f"{tuple(targets.shape)}")
    if b and (targets.min() < 0 or targets.max() >= m):
        raise ValueError(f"class indices must lie in [0, {m - 1}], got values in "
                         f"[{int(targets.min())}, {int(targets.max())}]")
    return torch.nn.functional.one_hot(targets.long(), m).to(like.dtype)


def _check_outputs(outputs, name="outputs"):
    if not isinstance(outputs, torch.Tensor) or outputs.ndim != 2:
        raise ValueError(f"{name} must be a 2-D torch.Tensor (batch, classes), got "
                         f"{getattr(outputs, 'shape', type(outputs).__name__)}")
    _check_embedding(outputs, name)
    return outputs.shape


def supervised(outputs, targets, class_scale=None):
    """Class-balanced MSE of a biased linear head against one-hot targets.

    ``E||outputs - c_a e_a||^2`` where ``e_a`` is the one-hot vector of the context value
    (class) a and ``c_a = 1 / sqrt(M p_a(a))``. With this scaling every class contributes
    equally to the loss (p_a(a) c_a^2 = 1/M); with a bias in the head, the encoder then spans
    the top-d left singular functions of the context. Plain one-hot MSE (``class_scale=None``)
    weights the classes by their size.

    Parameters
    ----------
    outputs : Tensor, shape (b, M)
        Head outputs W Phi(x_i) + c.
    targets : Tensor, int shape (b,) or float shape (b, M)
        Either the class a_i of each row, or the probabilities P+(a | x_i) of every class
        (the expectation of the loss over a ~ P+(.|x_i): same minimiser, no sampling noise).
    class_scale : Tensor, shape (M,), optional
        c_a per class; ones when None.

    Returns
    -------
    Tensor, shape ().
    """
    b, m = _check_outputs(outputs)
    if isinstance(class_scale, torch.Tensor) and class_scale.is_complex():
        raise TypeError(f"class_scale has complex dtype {class_scale.dtype}; expected real "
                        "numbers")
    scale = (torch.ones(m, dtype=outputs.dtype, device=outputs.device) if class_scale is None
             else torch.as_tensor(class_scale, dtype=outputs.dtype, device=outputs.device))
    if scale.shape != (m,):
        raise ValueError(f"class_scale has shape {tuple(scale.shape)}; expected ({m},), one "
                         f"scale per class (outputs has {m} columns)")
    if not bool(torch.isfinite(scale).all()):
        raise ValueError("class_scale contains NaN or infinite values; expected finite scales")
    probs = _target_probabilities(targets, b, m, outputs)
    # E_a ||o - c_a e_a||^2 = ||o||^2 - 2 sum_a q_a c_a o_a + sum_a q_a c_a^2
    weighted = probs * scale
    return ((outputs ** 2).sum(dim=1) - 2 * (weighted * outputs).sum(dim=1)
            + (weighted * scale).sum(dim=1)).mean()


def likelihood(logits, targets):
    """Softmax cross-entropy of predicting the context value: ``E[-log softmax(logits)_a]``.

    The generative objective of skip-gram and masked-token prediction: a head maps Phi(x)
    to one logit per context value, ``logits = W Phi(x) + b``, and the loss is the negative
    log-likelihood of the observed a ~ P+(.|x) under the softmax. Its minimiser over
    *unrestricted* logits is ``log P+(a|x) + c(x)`` (Gibbs' inequality; the softmax ignores
    a constant per row), so a d-dimensional model is exact iff the PMI matrix, centred
    over rows and columns, has rank <= d; then span(Phi) is the top-d span of that matrix
    (:func:`contexture_lab.generative.pmi_span`), not the contexture.

    Parameters
    ----------
    logits : Tensor, shape (b, M)
        One logit per context value for each row.
    targets : Tensor, int shape (b,) or float shape (b, M)
        The sampled context value a_i of each row, or the probabilities P+(a | x_i) of
        every value (the expected loss over a ~ P+(.|x_i): same minimiser, no noise).

    Returns
    -------
    Tensor, shape (): the mean cross-entropy in nats. Its population minimum is the
    conditional entropy H(A | X), reached iff softmax(logits) = P+(.|x).
    """
    b, m = _check_outputs(logits, "logits")
    probs = _target_probabilities(targets, b, m, logits)
    return -(probs * torch.log_softmax(logits, dim=1)).sum(dim=1).mean()


def dae(reconstruction, target):
    """Reconstruction loss of an autoencoder-style objective: ``E||x_hat - x_target||^2``.

    Used with a linear decoder that reconstructs a context value's features from Phi(x)
    (for a KNN context: a neighbouring data point, the input seen through the context's
    "noise"). The minimiser spans the top-d left singular functions of x -> E[h(A) | x] for
    the feature map h: the contexture *reweighted* by the linear kernel <h(a), h(a')>,
    not the contexture itself.

    Parameters
    ----------
    reconstruction, target : Tensor, shape (b, q)

    Returns
    -------
    Tensor, shape ().
    """
    _check_pair(reconstruction, target, ("reconstruction", "target"))
    return ((reconstruction - target) ** 2).sum(dim=1).mean()


__all__ = ["SVME_PLACEMENTS", "centre", "dae", "kise", "laplacian", "likelihood",
           "non_contrastive", "spectral_contrastive", "supervised", "svme",
           "variance_covariance_penalty"]
