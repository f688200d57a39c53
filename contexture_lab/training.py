"""Training encoders that learn the contexture: :func:`fit_encoder`.

The training loop samples from the :class:`~contexture_lab.Context` (one a ~ P+(.|x) per
input, fresh every epoch), evaluates one loss of :mod:`contexture_lab.objectives`, and
steps Adam on the device of :func:`contexture_lab.get_device`. Seeds go in as arguments:
network initialisation runs under a forked torch RNG seeded with ``random_state`` and
sampling uses ``numpy.random.default_rng(random_state)``, so the same seed on the same
device gives the same numbers and no global random state is touched.

Training with mixed contexts (:mod:`contexture_lab.mixing`): :func:`fit_mixed_encoder` (a
shared encoder trained on a weighted sum of per-context losses) and
:func:`fit_concatenated_encoders` (the concatenated embeddings of separately trained
encoders).
"""

from __future__ import annotations

import numpy as np
import torch

from . import objectives as obj
from ._validation import as_float_array, check_float, check_int, renamed_random_state
from .context import Context, check_context
from .degeneracy import maybe_scramble
from .device import get_device
from .encoders import DTYPE, MLP, Encoder, check_hidden, cpu_single_thread
from .mixing import _check_same_inputs, convex_combination

#: The objectives :func:`fit_encoder` trains (see :mod:`contexture_lab.objectives`).
OBJECTIVES = ("spectral_contrastive", "non_contrastive", "svme", "kise", "laplacian",
              "supervised", "dae")

#: Generative objectives, trained by the same loop but kept apart from :data:`OBJECTIVES`
#: (the objectives graded against the contexture): ``"likelihood"`` predicts the context
#: value by a softmax and factorises the PMI matrix (:mod:`contexture_lab.generative`).
GENERATIVE_OBJECTIVES = ("likelihood",)

#: Defaults (epochs, batch size) per objective; batch size None = full batch. Chosen so that
#: each objective reaches R2_CCA >= 0.8 on digits with a KNN context (d = 16) in a few
#: seconds on a CPU. The objectives with variance/covariance terms need large batches for
#: good covariance estimates; kise always uses the whole input set.
DEFAULTS = {"spectral_contrastive": (60, 512), "non_contrastive": (150, None),
            "svme": (150, None), "kise": (150, None), "laplacian": (100, None),
            "supervised": (40, 256), "dae": (60, 512), "likelihood": (300, None)}


def _check_objective(objective):
    known = OBJECTIVES + GENERATIVE_OBJECTIVES
    if not isinstance(objective, str) or objective not in known:
        raise ValueError(f"unknown objective {objective!r}; expected one of "
                         f"{', '.join(known)}")
    return objective


class _ReverseSampler:
    """Draws x ~ P+(.|a): the context's transpose, restricted to values a with mass."""

    def __init__(self, ctx: Context):
        keep = np.flatnonzero(ctx.p_a > 0)
        self._row = np.full(ctx.n_contexts, -1, dtype=np.int64)
        self._row[keep] = np.arange(keep.size)
        self._ctx = Context(ctx.P.T[keep], normalize=True)

    def sample(self, a_index, rng):
        return self._ctx.sample(self._row[a_index], rng)


class _Problem:
    """Everything one training run needs: tensors on the device, networks, a batch loss."""

    def __init__(self, ctx, objective, d, device, rng, hidden, activation,
                 anti_collapse="phi"):
        self.ctx, self.d, self.device, self.rng = ctx, d, device, rng
        self.anti_collapse = anti_collapse
        self.net_kwargs = {"hidden": hidden, "activation": activation}
        self.X = self._tensor(ctx.x_features)
        self.phi = self._mlp(ctx.x_features, d)
        self.psi = self.head = None
        getattr(self, f"_setup_{objective}")()

    # ------------------------------------------------------------------ helpers
    def _tensor(self, array):
        return torch.as_tensor(array, dtype=DTYPE, device=self.device)

    def _mlp(self, features, out):
        return MLP.for_features(features, out, **self.net_kwargs).to(self.device)

    def _needs_a_features(self, objective):
        if self.ctx.a_features is None:
            raise ValueError(f"objective {objective!r} reads the context values' features, "
                             "but the context has no a_features; attach them with "
                             "ctx.with_features(a_features=...)")
        return self._tensor(self.ctx.a_features)

    def _context(self, idx):
        return self.ctx.sample(idx, self.rng)

    def _phi_pair(self, i, j):
        """Phi at X[i] and X[j] in one forward pass."""
        out = self.phi(self.X[np.concatenate([i, j])])
        return out[:i.size], out[i.size:]

    def parameters(self):
        mods = [m for m in (self.phi, self.psi, self.head) if m is not None]
        return [p for m in mods for p in m.parameters()]

    # ------------------------------------------------------------------ objectives
    def _setup_spectral_contrastive(self):
        self._reverse = _ReverseSampler(self.ctx)
        self.loss = lambda idx: obj.spectral_contrastive(*self._phi_pair(idx, self._twin(idx)))

    def _setup_non_contrastive(self):
        self._reverse = _ReverseSampler(self.ctx)
        self.loss = lambda idx: obj.non_contrastive(*self._phi_pair(idx, self._twin(idx)))

    def _twin(self, idx):
        """x+ sharing a context with x: x -> a ~ P+(.|x) -> x+ ~ P+(.|a)."""
        return self._reverse.sample(self._context(idx), self.rng)

    def _setup_svme(self):
        self.A = self._needs_a_features("svme")
        self.psi = self._mlp(self.ctx.a_features, self.d)
        self.loss = lambda idx: obj.svme(self.phi(self.X[idx]),
                                         self.psi(self.A[self._context(idx)]),
                                         anti_collapse=self.anti_collapse)

    def _setup_kise(self):
        self.full_batch = True
        gram = self._tensor(self.ctx.dual_kernel())
        weights = self._tensor(self.ctx.p_x)
        # full batch: idx is always every input, in order
        self.loss = lambda idx: obj.kise(self.phi(self.X), gram, weights)

    def _setup_laplacian(self):
        if self.ctx.n_inputs != self.ctx.n_contexts:
            raise ValueError(f"objective 'laplacian' needs a graph context (A a node of the "
                             f"same graph: N = M), got shape {self.ctx.shape}")
        self.loss = lambda idx: obj.laplacian(*self._phi_pair(idx, self._context(idx)))

    def _setup_supervised(self):
        m = self.ctx.n_contexts
        self.head = _zero_linear(self.d, m).to(self.device, DTYPE)
        n_classes = int((self.ctx.p_a > 0).sum())
        scale = np.zeros(m)
        scale[self.ctx.p_a > 0] = 1.0 / np.sqrt(n_classes * self.ctx.p_a[self.ctx.p_a > 0])
        scale = self._tensor(scale)
        conditional = self.ctx.conditional()
        # the loss averaged over a ~ P+(.|x) exactly (soft labels): same minimiser as one
        # sampled label per x, without the sampling noise
        self.loss = lambda idx: obj.supervised(
            self.head(self.phi(self.X[idx])), self._tensor(_rows(conditional, idx)), scale)

    def _setup_dae(self):
        self.A = self._needs_a_features("dae")
        self.head = torch.nn.Linear(self.d, self.A.shape[1], bias=True).to(self.device, DTYPE)
        self.loss = lambda idx: obj.dae(self.head(self.phi(self.X[idx])),
                                        self.A[self._context(idx)])

    def _setup_likelihood(self):
        # a logit per context value; the head starts at zero (uniform prediction). Each
        # step draws a fresh a ~ P+(.|x) per input: the loss on sampled pairs
        self.head = _zero_linear(self.d, self.ctx.n_contexts).to(self.device, DTYPE)
        self.loss = lambda idx: obj.likelihood(
            self.head(self.phi(self.X[idx])),
            torch.as_tensor(self._context(idx), device=self.device))

    full_batch = False


def _zero_linear(d, out):
    """A linear head that starts at zero: the outputs start at the trivial prediction 0
    instead of large random values that would first have to be unlearned."""
    head = torch.nn.Linear(d, out, bias=True)
    torch.nn.init.zeros_(head.weight)
    torch.nn.init.zeros_(head.bias)
    return head


def _rows(matrix, idx):
    """Dense rows ``idx`` of a dense or sparse matrix."""
    rows = matrix[idx]
    return rows.toarray() if hasattr(rows, "toarray") else np.asarray(rows)


def _batches(ctx, rng, batch_size, uniform):
    """One epoch of input indices: a permutation (uniform p_x) or n draws from p_x."""
    n = ctx.n_inputs
    order = rng.permutation(n) if uniform else rng.choice(n, size=n, p=ctx.p_x)
    return [order[lo:lo + batch_size] for lo in range(0, n, batch_size)]


def _train(ctx, objective, d, seed, epochs, device, progress, hidden, activation, lr,
           batch_size, anti_collapse):
    """The training loop of :func:`fit_encoder` (inputs already validated)."""
    rng = np.random.default_rng(seed)
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        problem = _Problem(ctx, objective, d, device, rng, tuple(hidden), activation,
                           anti_collapse)
    if problem.full_batch:
        batch_size = ctx.n_inputs
    optimiser = torch.optim.Adam(problem.parameters(), lr=lr)
    history = []
    uniform = np.allclose(ctx.p_x, 1.0 / ctx.n_inputs)
    from tqdm.auto import tqdm

    bar = tqdm(range(epochs), desc=objective, disable=not progress, leave=False)
    for epoch in bar:
        for m in (problem.phi, problem.psi, problem.head):
            if m is not None:
                m.train()
        total, count = 0.0, 0
        batches = ([np.arange(ctx.n_inputs)] if problem.full_batch
                   else _batches(ctx, rng, batch_size, uniform))
        for idx in batches:
            if idx.size < 2:
                continue
            loss = problem.loss(idx)
            value = float(loss.detach())
            if not np.isfinite(value):
                raise ValueError(
                    f"training diverged: the {objective} loss is {value} in epoch {epoch + 1} "
                    f"of {epochs} (lr={lr:g}, previous epoch's mean loss "
                    f"{history[-1] if history else float('nan'):.4g}); lower lr")
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += value * idx.size
            count += idx.size
        history.append(total / count)
        bar.set_postfix(loss=f"{history[-1]:.4f}")
    return problem, history


@renamed_random_state("seed")
def fit_encoder(ctx, objective: str, d: int, *, random_state: int = 0, epochs: int | None = None,
                device=None, progress: bool = True, hidden=(128, 128),
                activation: str = "relu", lr: float = 3e-3,
                batch_size: int | None = None, anti_collapse: str | None = None) -> Encoder:
    """Train an MLP encoder Phi (d outputs) on a context with one of the objectives.

    Parameters
    ----------
    ctx : Context
        Must carry ``x_features``; ``"svme"`` and ``"dae"`` also read ``a_features``,
        ``"laplacian"`` needs a square (graph) context.
    objective : str
        One of ``"spectral_contrastive"``, ``"non_contrastive"``, ``"svme"``, ``"kise"``,
        ``"laplacian"``, ``"supervised"``, ``"dae"`` (see :mod:`contexture_lab.objectives`),
        or the generative ``"likelihood"`` (softmax cross-entropy on sampled pairs; it
        learns the PMI span, see :mod:`contexture_lab.generative`).
    d : int
        Representation dimension.
    random_state : int, default=0
        Seeds network initialisation and sampling; same seed and device, same numbers
        (``seed`` is its deprecated old name).
    epochs : int, optional
        Passes over the inputs; default from :data:`DEFAULTS` [objective].
    device : str or torch.device, optional
        Default :func:`contexture_lab.get_device`.
    progress : bool, default=True
        Show a tqdm progress bar.
    hidden : tuple of int, default=(128, 128)
        Widths of the MLP's hidden layers (see :class:`~contexture_lab.encoders.MLP`).
    activation : {"relu", "tanh", "gelu", "silu"}, default="relu"
        The MLP's activation.
    lr : float, default=3e-3
        Adam learning rate.
    batch_size : int, optional
        Inputs per step; default from :data:`DEFAULTS` [objective] (the whole input set for
        some). ``"kise"`` always trains full-batch on the exact population objective.
    anti_collapse : {"phi", "psi"}, optional
        Only for ``"svme"``: the encoder that carries the variance/covariance terms.
        ``"phi"`` (the default) is the dissertation's placement (then Psi -> T* Phi);
        ``"psi"`` is a variant that puts them on the context encoder (then Phi -> T Psi).
        Both learn span{mu_1..mu_d}; see :func:`contexture_lab.objectives.svme`.

    Returns
    -------
    Encoder
        ``.transform(x_features)`` -> (n, d), ``.history`` (mean loss per epoch),
        ``.layer_features(x_features)`` (every layer's output); for ``"svme"`` also
        ``.transform_context(a_features)`` (the context encoder Psi).

    Notes
    -----
    On the CPU, training runs on one torch thread (the setting is restored afterwards), so
    the numbers do not depend on the machine's thread count; see
    :func:`contexture_lab.encoders.cpu_single_thread`.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> X = cl.datasets.load_digits(300).X
    >>> enc = cl.fit_encoder(cl.contexts.knn(X, 10), "svme", 4, epochs=2, progress=False,
    ...                      device="cpu")
    >>> enc.transform(X).shape
    (300, 4)
    """
    ctx = check_context(ctx)
    objective = _check_objective(objective)
    if ctx.x_features is None:
        raise ValueError("the context has no x_features, so there is nothing for an encoder to "
                         "read; build it with features (e.g. cl.contexts.knn(X, k)) or call "
                         "ctx.with_features(x_features=X)")
    if ctx.n_inputs < 2:
        raise ValueError(f"the context has {ctx.n_inputs} input; training needs at least 2 "
                         "(the losses centre over a batch of inputs)")
    d = check_int(d, "d", low=1)
    if d > ctx.n_inputs:
        raise ValueError(f"d={d} exceeds the {ctx.n_inputs} inputs of the context; an encoder "
                         f"of {ctx.n_inputs} inputs has at most {ctx.n_inputs - 1} centred "
                         f"directions, so expected d <= {ctx.n_inputs}")
    seed = check_int(random_state, "random_state", low=0)
    default_epochs, default_batch = DEFAULTS[objective]
    epochs = default_epochs if epochs is None else check_int(epochs, "epochs", low=1)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    batch_size = default_batch if batch_size is None else batch_size
    batch_size = ctx.n_inputs if batch_size is None else check_int(batch_size, "batch_size",
                                                                   low=2)
    hidden = check_hidden(hidden)
    if anti_collapse is None:
        anti_collapse = "phi"
    elif objective != "svme":
        raise ValueError(f"anti_collapse chooses the encoder of 'svme' that carries the "
                         f"anti-collapse terms; objective {objective!r} has one placement only")
    elif anti_collapse not in obj.SVME_PLACEMENTS:
        raise ValueError(f"anti_collapse must be one of {obj.SVME_PLACEMENTS}, got "
                         f"{anti_collapse!r}")
    device = get_device(device)
    with cpu_single_thread(device):
        problem, history = _train(ctx, objective, d, seed, epochs, device, progress, hidden,
                                  activation, lr, batch_size, anti_collapse)
    return Encoder(problem.phi, psi=problem.psi, head=problem.head, objective=objective, d=d,
                   device=device, history=history, x_width=ctx.x_features.shape[1],
                   a_width=None if ctx.a_features is None else ctx.a_features.shape[1])


def dae_span(ctx, d: int) -> np.ndarray:
    """The span a DAE-style objective converges to: a *reweighted* contexture, (N, d).

    Reconstructing h(A) = ``a_features`` from Phi(x) with a linear decoder (and bias) is
    solved by the top-d left singular functions (in L2(P_X)) of x -> E[h~(A) | x], h~ the
    centred features, i.e. the top-d eigenfunctions of T K_A T* (K_A the linear kernel
    <h~(a), h~(a')> on A) instead of those of TT*. With c_i = <nu_i, h~> (a row of the
    cross-Gram C between the right singular functions and the features), T K_A T* acts on
    the mu_i through the matrix S C C^T S: only when C C^T is diagonal does each mu_i simply
    keep its own weight s_i ||c_i||; in general the directions mix, and this function
    computes the exact span. Returned orthonormal in L2(P_X), mean zero.

    Parameters
    ----------
    ctx : Context
        The context (N x M), with ``a_features`` (M, q).
    d : int
        Number of directions, at most the rank of x -> E[h(A) | x].

    Returns
    -------
    ndarray, shape (N, d)
    """
    ctx = check_context(ctx)
    if ctx.a_features is None:
        raise ValueError("the context has no a_features to reconstruct")
    H = as_float_array(ctx.a_features, "a_features", ndim=2)
    d = check_int(d, "d", low=1, high=H.shape[1])
    G = ctx.expect(H - ctx.p_a @ H)                       # (N, q) = T h~
    G = G - ctx.p_x @ G
    U, s, _ = np.linalg.svd(G * np.sqrt(ctx.p_x)[:, None], full_matrices=False)
    rank = int(np.sum(s > 1e-10 * s[0])) if s.size and s[0] > 0 else 0
    if d > rank:   # beyond the rank the directions are arbitrary (constant included)
        raise ValueError(f"d={d} exceeds the {rank} direction(s) that x -> E[h(A) | x] spans "
                         f"for this context (N = {ctx.n_inputs}, {H.shape[1]} a_features); "
                         f"expected d <= {rank}")
    (U,) = maybe_scramble(s, U)
    return U[:, :d] / np.sqrt(ctx.p_x)[:, None]


# ------------------------------------------------------------ mixed contexts
#: Objectives whose population loss on a convex combination is the weighted sum of the
#: per-context losses (they read only x_features and are linear in the pair distribution
#: or in the kernel, up to the shared anti-collapse terms).
MIXABLE_OBJECTIVES = ("spectral_contrastive", "non_contrastive", "kise")


def fit_mixed_encoder(contexts, weights, objective: str, d: int, **fit_kwargs):
    """One shared encoder trained on a weighted sum of per-context losses.

    Training on the convex combination draws, for each input, which context supplies its
    pair (with probability w_i, independently of X), so the expected loss is
    sum_i w_i L_i(Phi), the weighted sum of the per-context losses: exactly for ``"kise"``
    (its loss is linear in the kernel, and k = sum_i w_i k_i), in expectation over the
    sampled pairs for ``"spectral_contrastive"`` and ``"non_contrastive"`` (whose
    anti-collapse terms are shared). Its minimiser is the contexture of the convex
    combination. The training loop is :func:`fit_encoder`.

    Parameters
    ----------
    contexts : sequence of Context
        At least two, same inputs and p_x; the first one with ``x_features`` supplies them.
    weights : array-like
        Non-negative, summing to 1.
    objective : {"spectral_contrastive", "non_contrastive", "kise"}
        Objectives that read a context value's features (``"svme"``, ``"dae"``) would see
        the pooled features of different contexts' values and are refused.
    d : int
        Representation dimension.
    **fit_kwargs : dict
        Passed to :func:`fit_encoder` (seed, epochs, device, progress ...).

    Returns
    -------
    Encoder
    """
    if objective not in MIXABLE_OBJECTIVES:
        raise ValueError(f"objective {objective!r} cannot be mixed by a convex combination "
                         f"here; expected one of {', '.join(MIXABLE_OBJECTIVES)}")
    return fit_encoder(convex_combination(contexts, weights), objective, d, **fit_kwargs)


class ConcatenatedEncoder:
    """Separately trained encoders whose embeddings are put side by side.

    Parameters
    ----------
    encoders : sequence of Encoder
        The trained parts, in order.

    Attributes
    ----------
    encoders : list of Encoder
        The parts.
    d : int
        Total dimension (sum of the parts').
    """

    def __init__(self, encoders):
        self.encoders = list(encoders)
        self.d = sum(enc.d for enc in self.encoders)

    def transform(self, x_features) -> np.ndarray:
        """[Phi_1(x), Phi_2(x), ...]: the parts' embeddings side by side.

        Parameters
        ----------
        x_features : array-like, shape (n, p)
            Inputs, with the features the parts were trained on.

        Returns
        -------
        ndarray, shape (n, d)
        """
        return np.hstack([enc.transform(x_features) for enc in self.encoders])

    def __repr__(self) -> str:
        return f"ConcatenatedEncoder({self.encoders!r})"


@renamed_random_state("seed")
def fit_concatenated_encoders(contexts, objective: str, dims, *, random_state: int = 0,
                              **fit_kwargs) -> ConcatenatedEncoder:
    """Train one encoder per context, then concatenate their embeddings.

    Their span is span(mu^1_1..d_1) + span(mu^2_1..d_2) at best (each part learns its own
    contexture); compare it with the exact contexture of
    :func:`~contexture_lab.mixing.concatenate` or of
    :func:`~contexture_lab.mixing.convex_combination` of the same contexts.

    Parameters
    ----------
    contexts : sequence of Context
        Each with ``x_features`` (the same inputs).
    objective : str
        Any objective of :func:`fit_encoder`.
    dims : sequence of int
        Dimension of each part.
    random_state : int, default=0
        Part i is trained with seed ``random_state + i`` (``seed`` is its deprecated old name).
    **fit_kwargs : dict
        Passed to :func:`fit_encoder`.

    Returns
    -------
    ConcatenatedEncoder
        Of dimension ``sum(dims)``.
    """
    contexts = list(contexts)
    dims = list(dims)
    if len(contexts) < 2:
        raise ValueError(f"need at least two contexts to concatenate encoders, got "
                         f"{len(contexts)}")
    if len(dims) != len(contexts):
        raise ValueError(f"dims has {len(dims)} entries for {len(contexts)} contexts; "
                         "expected one dimension per context")
    for i, ctx in enumerate(contexts):
        check_context(ctx, f"contexts[{i}]")
    _check_same_inputs(contexts, "fit_concatenated_encoders")
    return ConcatenatedEncoder(
        fit_encoder(ctx, objective, check_int(k, "dims entry", low=1),
                    random_state=random_state + i, **fit_kwargs)
        for i, (ctx, k) in enumerate(zip(contexts, dims)))


__all__ = ["DEFAULTS", "GENERATIVE_OBJECTIVES", "MIXABLE_OBJECTIVES", "OBJECTIVES",
           "ConcatenatedEncoder", "dae_span", "fit_concatenated_encoders", "fit_encoder",
           "fit_mixed_encoder"]
