"""Encoders that map features to d-dimensional representations.

* :class:`MLP` -- a torch multilayer perceptron with a fixed input standardisation; its
  intermediate activations can be read (:meth:`MLP.layer_outputs`).
* :class:`Encoder` -- what :func:`contexture_lab.fit_encoder` returns: the trained network(s)
  with numpy ``transform`` / ``transform_context`` / ``layer_features`` and the loss history.
* :class:`RandomFeatureEncoder` -- random Fourier features followed by the best linear map,
  fitted in closed form by a generalised eigenproblem (no gradient descent): the scaling
  knob is the number of random features.
* :class:`AttentionLayer` -- one softmax self-attention layer trained with torch on a toy
  in-context task (:func:`contexture_lab.in_context.cluster_sequences`); its learned
  attention is a :class:`~contexture_lab.Context` (also importable from
  :mod:`contexture_lab.attention`, where it lived first).
"""

from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np
import scipy.linalg
import torch
from torch import nn

from ._progress import progress as _progress
from ._validation import as_float_array, check_choice, check_float, check_int, check_rng
from .attention import _as_tensor, _check_temperature, self_attention_context
from .context import Context, check_context

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "silu": nn.SiLU}


#: Encoders train and run in double precision. In single precision the printed results of a
#: training run (an R2 to three decimals, a variance) moved in the third decimal between
#: torch's AVX2 and AVX-512 kernels on one machine; in double precision they do not, so
#: stored notebook outputs hold on other CPUs. Small networks: the cost is modest.
DTYPE = torch.float64


def check_hidden(hidden) -> tuple[int, ...]:
    """``hidden`` as a tuple of layer widths, each an int >= 1 (``()``: no hidden layer).

    Parameters
    ----------
    hidden : sequence of int
        Widths of the hidden layers, e.g. ``(128, 128)``.

    Returns
    -------
    tuple of int

    Raises
    ------
    TypeError
        If ``hidden`` is not a sequence of integers (``None`` or a bare int included).
    ValueError
        If a width is below 1.
    """
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, (tuple, list, np.ndarray)) \
            or not all(isinstance(h, (int, np.integer)) and not isinstance(h, bool)
                       for h in hidden):
        raise TypeError(f"hidden must be a tuple of layer widths such as (128, 128) (or () "
                        f"for none), got {hidden!r}")
    return tuple(check_int(h, "hidden width", low=1) for h in hidden)


def _check_standardisation(values, name, n, *, default):
    if values is None:
        return np.full(n, default)
    values = as_float_array(values, name, ndim=1)
    if values.shape != (n,):
        raise ValueError(f"{name} has shape {values.shape}; expected ({n},), one value per "
                         "input feature (in_features)")
    return values


class MLP(nn.Module):
    """Multilayer perceptron ``in_features -> hidden... -> out_features``.

    Parameters
    ----------
    in_features, out_features : int
    hidden : tuple of int, default (256, 256)
        Widths of the hidden layers (empty: a linear map).
    activation : {"relu", "tanh", "gelu", "silu"}, default="relu"
    mean, scale : array-like, shape (in_features,), optional
        Inputs are standardised as ``(x - mean) / scale`` before the first layer (a fixed
        buffer, not trained); default no change.
    """

    def __init__(self, in_features: int, out_features: int, hidden=(256, 256),
                 activation: str = "relu", mean=None, scale=None):
        super().__init__()
        in_features = check_int(in_features, "in_features", low=1)
        out_features = check_int(out_features, "out_features", low=1)
        hidden = check_hidden(hidden)
        act = ACTIVATIONS[check_choice(activation, "activation", ACTIVATIONS)]
        widths = (in_features, *hidden)
        self.hidden_layers = nn.ModuleList(
            nn.Sequential(nn.Linear(a, b), act()) for a, b in zip(widths[:-1], widths[1:]))
        self.output = nn.Linear(widths[-1], out_features)
        mean = _check_standardisation(mean, "mean", in_features, default=0.0)
        scale = _check_standardisation(scale, "scale", in_features, default=1.0)
        if (scale <= 0).any():
            raise ValueError(f"scale has {int((scale <= 0).sum())} entr(ies) <= 0; expected "
                             "positive scales (inputs are divided by them)")
        self.register_buffer("mean", torch.as_tensor(mean, dtype=DTYPE))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=DTYPE))
        self.to(DTYPE)

    @classmethod
    def for_features(cls, features: np.ndarray, out_features: int, **kwargs) -> MLP:
        """An MLP whose input standardisation is fitted to ``features``.

        Parameters
        ----------
        features : ndarray, shape (n, p)
            The inputs; their column means and standard deviations (1 where below 1e-8)
            become ``mean`` and ``scale``.
        out_features : int
            Output width.
        **kwargs : dict
            Other arguments of :class:`MLP` (``hidden``, ``activation``).

        Returns
        -------
        MLP
        """
        mean = features.mean(axis=0)
        scale = features.std(axis=0)
        scale[scale < 1e-8] = 1.0
        return cls(features.shape[1], out_features, mean=mean, scale=scale, **kwargs)

    def layer_outputs(self, x):
        """Activations after every hidden layer and the output.

        Parameters
        ----------
        x : torch.Tensor, shape (n, in_features)
            A batch of inputs.

        Returns
        -------
        list of torch.Tensor
            One (n, width) tensor per hidden layer, then the (n, out_features) output.
        """
        h = (x - self.mean) / self.scale
        outs = []
        for layer in self.hidden_layers:
            h = layer(h)
            outs.append(h)
        outs.append(self.output(h))
        return outs

    def forward(self, x):
        """The network's output.

        Parameters
        ----------
        x : torch.Tensor, shape (n, in_features)
            A batch of inputs.

        Returns
        -------
        torch.Tensor, shape (n, out_features)
        """
        h = (x - self.mean) / self.scale
        for layer in self.hidden_layers:
            h = layer(h)
        return self.output(h)


@contextmanager
def cpu_single_thread(device):
    """Run torch on one CPU thread inside the block (restored afterwards; no-op on CUDA).

    Float reductions split over several threads round differently, and training amplifies
    that: on one thread the same seed gives the same numbers whatever the machine's thread
    settings. The lab's small models gain little from more threads anyway.

    Parameters
    ----------
    device : str or torch.device
        Where the block's torch work runs.

    Yields
    ------
    None
    """
    if torch.device(device).type != "cpu":
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _run(module, features, name, width, device, layers=False, chunk=8192):
    """Evaluate a module on numpy features in chunks without gradients -> numpy."""
    features = as_float_array(features, name, ndim=2)
    if features.shape[1] != width:
        raise ValueError(f"{name} has {features.shape[1]} columns; the encoder was trained "
                         f"on {width} features")
    module.eval()
    outs = []
    with torch.no_grad(), cpu_single_thread(device):
        # max(.., 1): an empty (0, p) input still runs once, giving (0, width) outputs
        for lo in range(0, max(features.shape[0], 1), chunk):
            x = torch.as_tensor(features[lo:lo + chunk], dtype=DTYPE, device=device)
            y = module.layer_outputs(x) if layers else [module(x)]
            outs.append([t.double().cpu().numpy() for t in y])
    return [np.concatenate(parts, axis=0) for parts in zip(*outs)]


class Encoder:
    """A trained encoder, as returned by :func:`contexture_lab.fit_encoder`.

    Parameters
    ----------
    phi : MLP
        The trained input encoder.
    objective : str
        The objective it was trained with.
    d : int
        Its output dimension.
    device : torch.device
        Where it runs.
    history : sequence of float
        Mean training loss per epoch.
    psi : MLP, optional
        The context encoder (``"svme"`` only).
    head : torch.nn.Module, optional
        The head/decoder (``"supervised"``, ``"dae"``, ``"likelihood"``).
    x_width : int, optional
        Number of input features it was trained on (checked by :meth:`transform`).
    a_width : int, optional
        Number of context-value features (checked by :meth:`transform_context`).

    Attributes
    ----------
    phi : MLP
        The input encoder Phi (on x_features).
    psi : MLP or None
        The context encoder Psi (on a_features); only the two-encoder objective ``"svme"``
        trains one.
    head : torch.nn.Module or None
        The linear head/decoder of ``"supervised"`` and ``"dae"``.
    objective : str
        The objective it was trained with.
    d : int
        Its output dimension.
    history : list of float
        Mean training loss per epoch.
    device : torch.device
        Where it runs.
    """

    def __init__(self, phi, *, objective: str, d: int, device, history, psi=None, head=None,
                 x_width=None, a_width=None):
        self.phi, self.psi, self.head = phi, psi, head
        self.objective, self.d, self.device = objective, d, device
        self.history = list(history)
        self._x_width, self._a_width = x_width, a_width

    def transform(self, x_features) -> np.ndarray:
        """Phi at the given inputs.

        Parameters
        ----------
        x_features : array-like, shape (n, p)
            Inputs, with the features the encoder was trained on.

        Returns
        -------
        ndarray, shape (n, d)
        """
        return _run(self.phi, x_features, "x_features", self._x_width, self.device)[0]

    def transform_context(self, a_features) -> np.ndarray:
        """Psi at the given context values: (m, q) features -> (m, d) numpy array.

        Only for ``objective="svme"``, the one objective with an encoder on A. Use it to
        check the duality: with the anti-collapse terms on Phi (the default) the best Psi is
        Psi = T* Phi (``ctx.expect_adjoint(enc.transform(ctx.x_features))``); with them on
        Psi (``anti_collapse="psi"``) the best Phi is Phi = T Psi
        (``ctx.expect(enc.transform_context(ctx.a_features))``).

        Parameters
        ----------
        a_features : array-like, shape (m, q)
            Context values, with the features Psi was trained on.

        Returns
        -------
        ndarray, shape (m, d)
        """
        if self.psi is None:
            raise ValueError(f"objective {self.objective!r} trains no context encoder Psi; "
                             "only 'svme' (two encoders) does")
        return _run(self.psi, a_features, "a_features", self._a_width, self.device)[0]

    def context_probabilities(self, x_features) -> np.ndarray:
        """The model's P(a | x) = softmax(W Phi(x) + b): (n, p) features -> (n, M).

        Only for ``objective="likelihood"``, whose head predicts the context value.

        Parameters
        ----------
        x_features : array-like, shape (n, p)
            Inputs, with the features the encoder was trained on.

        Returns
        -------
        ndarray, shape (n, M)
            Rows sum to 1.
        """
        if self.objective != "likelihood":
            raise ValueError(f"objective {self.objective!r} has no softmax head over the "
                             "context values; only 'likelihood' predicts them")
        F = self.transform(x_features)
        W = self.head.weight.detach().double().cpu().numpy()
        b = self.head.bias.detach().double().cpu().numpy()
        logits = F @ W.T + b
        logits -= logits.max(axis=1, keepdims=True)
        prob = np.exp(logits)
        return prob / prob.sum(axis=1, keepdims=True)

    def layer_features(self, x_features) -> list[np.ndarray]:
        """Phi's intermediate representations, layer by layer.

        Parameters
        ----------
        x_features : array-like, shape (n, p)
            Inputs, with the features the encoder was trained on.

        Returns
        -------
        list of ndarray
            One (n, width) array per hidden layer, then the (n, d) output (the last entry
            equals :meth:`transform`).
        """
        return _run(self.phi, x_features, "x_features", self._x_width, self.device,
                    layers=True)

    def __repr__(self) -> str:
        return (f"Encoder(objective={self.objective!r}, d={self.d}, "
                f"epochs={len(self.history)}, device={str(self.device)!r})")


def median_bandwidth(X: np.ndarray, *, max_points: int = 1000, random_state=0) -> float:
    """Median pairwise Euclidean distance of (a seeded subsample of) the rows of X.

    Parameters
    ----------
    X : array-like, shape (n, p)
        The points.
    max_points : int, default=1000
        Above this many rows, a seeded subsample of this size is used.
    random_state : int or numpy.random.Generator, default=0
        Seed of the subsample.

    Returns
    -------
    float
        The median over pairs of distinct rows.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.encoders.median_bandwidth([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]])
    5.0
    """
    X = as_float_array(X, "X", ndim=2)
    rng = check_rng(random_state)
    if X.shape[0] > max_points:
        X = X[rng.choice(X.shape[0], max_points, replace=False)]
    sq = np.sum(X * X, axis=1)
    dist2 = np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0.0)
    upper = dist2[np.triu_indices(X.shape[0], k=1)]
    return float(np.sqrt(np.median(upper))) if upper.size else 1.0


class RandomFeatureEncoder:
    """Random Fourier features + the best linear readout, fitted in closed form.

    ``z(x) = sqrt(2 / m) cos(W x + b)`` with ``W ~ N(0, 1 / bandwidth^2)``, ``b ~ U[0, 2 pi]``
    (Rahimi & Recht 2007) approximates an RBF kernel. The encoder is ``Phi(x) = B^T z~(x)``
    (``z~`` centred under p_x) with B the top-d solutions of the generalised eigenproblem

        Z~^T P diag(p_a)^-1 P^T Z~  b = lambda (Z~^T diag(p_x) Z~ + ridge) b,

    i.e. it maximises ||T* Phi||^2 subject to Cov(Phi) = I: the best rank-d approximation of
    the contexture within the span of the random features. More features, a richer class.

    Parameters
    ----------
    n_features : int, default=512
        m, the number of random features.
    bandwidth : float, optional
        RBF bandwidth; default the median pairwise distance of the inputs.
    ridge : float, default=1e-6
        Added to the covariance, relative to its mean diagonal (numerical stability).
    random_state : int or numpy Generator, default=0
        Seed of the random features.

    Attributes
    ----------
    eigenvalues_ : ndarray, shape (d,)
        After :meth:`fit`: estimates of s_1^2 >= ... >= s_d^2 within the feature class.
    bandwidth_ : float
        After :meth:`fit`: the bandwidth used.
    """

    def __init__(self, n_features: int = 512, bandwidth: float | None = None, *,
                 ridge: float = 1e-6, random_state=0):
        self.n_features = check_int(n_features, "n_features", low=1)
        self.bandwidth = (None if bandwidth is None
                          else check_float(bandwidth, "bandwidth", low=0.0, low_open=True))
        self.ridge = check_float(ridge, "ridge", low=0.0)
        self.random_state = random_state

    def _features(self, X):
        return np.sqrt(2.0 / self.n_features) * np.cos(X @ self.weights_ + self.offsets_)

    def fit(self, ctx, d: int) -> RandomFeatureEncoder:
        """Fit to a context with ``x_features``.

        Parameters
        ----------
        ctx : Context
            The context, with ``x_features`` (n, p).
        d : int
            Representation dimension, 1 <= d <= ``n_features``.

        Returns
        -------
        RandomFeatureEncoder
            ``self``, fitted.
        """
        ctx = check_context(ctx)
        if ctx.x_features is None:
            raise ValueError("the context has no x_features; attach them with "
                             "ctx.with_features(x_features=...)")
        d = check_int(d, "d", low=1, high=self.n_features)
        X = ctx.x_features
        rng = check_rng(self.random_state)
        self.bandwidth_ = self.bandwidth or median_bandwidth(X, random_state=rng)
        if not self.bandwidth_ > 0:
            same = bool(np.ptp(X, axis=0).max() == 0) if X.shape[0] else True
            raise ValueError("the context's x_features are all identical; random features "
                             "cannot tell the inputs apart" if same else
                             "the median distance between inputs is 0 (more than half of "
                             "the pairs coincide); pass bandwidth=... explicitly")
        self.weights_ = rng.normal(scale=1.0 / self.bandwidth_, size=(X.shape[1],
                                                                      self.n_features))
        self.offsets_ = rng.uniform(0.0, 2 * np.pi, size=self.n_features)
        Z = self._features(X)
        self.mean_ = ctx.p_x @ Z
        Zc = Z - self.mean_
        cov = Zc.T @ (Zc * ctx.p_x[:, None])
        cov += self.ridge * max(np.trace(cov) / self.n_features, 1e-300) * np.eye(cov.shape[0])
        inv_pa = np.zeros_like(ctx.p_a)
        inv_pa[ctx.p_a > 0] = 1.0 / ctx.p_a[ctx.p_a > 0]
        Y = np.asarray(ctx.P.T @ Zc)                     # (M, m): sum_x P(x, a) z~(x)
        A = Y.T @ (Y * inv_pa[:, None])
        m = self.n_features
        try:
            vals, vecs = scipy.linalg.eigh((A + A.T) / 2, cov, subset_by_index=[m - d, m - 1])
        except np.linalg.LinAlgError as exc:
            raise ValueError(f"the random features' covariance is singular ({exc}); use a "
                             f"positive ridge (got ridge={self.ridge:g}) or fewer "
                             "features") from None
        order = np.argsort(vals)[::-1]
        self.eigenvalues_ = vals[order]
        self.components_ = vecs[:, order]
        self.d_ = d
        return self

    def transform(self, X) -> np.ndarray:
        """The representation Phi(x) of inputs.

        Parameters
        ----------
        X : array-like, shape (n, p)
            Inputs with the features of the fitted context.

        Returns
        -------
        ndarray, shape (n, d)
        """
        if not hasattr(self, "components_"):
            raise ValueError("this RandomFeatureEncoder is not fitted yet; call fit(ctx, d)")
        X = as_float_array(X, "X", ndim=2)
        if X.shape[1] != self.weights_.shape[0]:
            raise ValueError(f"X has {X.shape[1]} columns; the encoder was fitted on "
                             f"{self.weights_.shape[0]}")
        return (self._features(X) - self.mean_) @ self.components_

    def __repr__(self) -> str:
        return (f"RandomFeatureEncoder(n_features={self.n_features}, "
                f"bandwidth={self.bandwidth}, random_state={self.random_state!r})")


class AttentionLayer:
    """One softmax self-attention layer, trained with torch (estimator style).

    out = softmax(X W_Q (X W_K)^T / (t sqrt(k))) X W_V for a sequence X (n, p).

    Parameters
    ----------
    dim : int
        Token dimension p (values keep it: W_V is p x p).
    key_dim : int, default=8
        Query/key dimension k.
    temperature : float > 0, default=1.0
        Divides the attention scores.
    init_scale : float, default=0.05
        Standard deviation of the initial W_Q, W_K entries (small: the initial attention
        is nearly uniform, an almost independent context).
    random_state : int, default=0
        Seed of a torch Generator for the initial weights and batches.
    device : str or torch.device, optional
        Defaults to :func:`contexture_lab.get_device`.

    Attributes
    ----------
    history_ : list of float
        Mean training loss per epoch (after :meth:`fit`).
    """

    def __init__(self, dim: int, key_dim: int = 8, *, temperature: float = 1.0,
                 init_scale: float = 0.05, random_state: int = 0, device=None):
        import torch

        from .device import get_device

        self.dim = check_int(dim, "dim", low=1)
        self.key_dim = check_int(key_dim, "key_dim", low=1)
        self.temperature = _check_temperature(temperature)
        self.init_scale = check_float(init_scale, "init_scale", low=0.0)
        self.random_state = check_int(random_state, "random_state", low=0)
        self.device = get_device(device)
        gen = torch.Generator().manual_seed(self.random_state)
        shape = (self.dim, self.key_dim)
        self.params = {
            "W_Q": torch.randn(shape, generator=gen, dtype=torch.float64) * self.init_scale,
            "W_K": torch.randn(shape, generator=gen, dtype=torch.float64) * self.init_scale,
            "W_V": torch.eye(self.dim, dtype=torch.float64)
            + 0.05 * torch.randn((self.dim, self.dim), generator=gen, dtype=torch.float64),
        }
        self.params = {k: v.to(self.device).requires_grad_(True) for k, v in self.params.items()}
        self.history_ = []

    def _forward(self, X):
        import torch

        scores = (X @ self.params["W_Q"]) @ (X @ self.params["W_K"]).transpose(-1, -2)
        A = torch.softmax(scores / (self.temperature * math.sqrt(self.key_dim)), dim=-1)
        return A @ X @ self.params["W_V"]

    def _tokens(self, X, name="X"):
        X = _as_tensor(X, name, self.device, ndim=(2, 3))
        if X.shape[-1] != self.dim:
            raise ValueError(f"{name} must have shape (n, {self.dim}) or (B, n, {self.dim}), "
                             f"got {tuple(X.shape)}")
        return X

    def fit(self, tokens, targets, *, epochs: int = 30, batch_size: int = 32,
            lr: float = 0.02, progress: bool = True) -> AttentionLayer:
        """Minimise the mean squared error of the layer's output against ``targets`` (Adam).

        Parameters
        ----------
        tokens : array-like, shape (B, n, p)
            B training sequences of n tokens.
        targets : array-like, shape (B, n, p)
            The wanted output of each token.
        epochs : int, default=30
            Passes over the sequences.
        batch_size : int, default=32
            Sequences per step (batches drawn with the layer's seed).
        lr : float, default=0.02
            Adam learning rate.
        progress : bool, default=True
            Show a progress bar over the epochs.

        Returns
        -------
        AttentionLayer
            ``self``, trained; ``history_`` holds the loss per epoch.
        """
        import torch

        X = self._tokens(tokens, "tokens")
        Y = self._tokens(targets, "targets")
        if X.ndim != 3 or X.shape != Y.shape:
            raise ValueError(f"tokens and targets must both have shape (B, n, {self.dim}); got "
                             f"{tuple(X.shape)} and {tuple(Y.shape)}")
        epochs = check_int(epochs, "epochs", low=1)
        batch_size = check_int(batch_size, "batch_size", low=1)
        lr = check_float(lr, "lr", low=0.0, low_open=True)
        gen = torch.Generator().manual_seed(self.random_state + 1)
        opt = torch.optim.Adam(list(self.params.values()), lr=lr)
        for _ in _progress(range(epochs), "attention layer", show=progress):
            order = torch.randperm(X.shape[0], generator=gen).to(self.device)
            losses = []
            for lo in range(0, X.shape[0], batch_size):
                idx = order[lo:lo + batch_size]
                loss = torch.mean((self._forward(X[idx]) - Y[idx]) ** 2)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(float(loss.detach()))
            self.history_.append(float(np.mean(losses)))
        return self

    def predict(self, tokens) -> np.ndarray:
        """The layer's output.

        Parameters
        ----------
        tokens : array-like, shape (n, p) or (B, n, p)
            One sequence or a batch.

        Returns
        -------
        ndarray, same shape as ``tokens``
        """
        import torch

        with torch.no_grad():
            return self._forward(self._tokens(tokens, "tokens")).cpu().numpy()

    def loss(self, tokens, targets) -> float:
        """Mean squared error of :meth:`predict` against ``targets``.

        Parameters
        ----------
        tokens : array-like, shape (n, p) or (B, n, p)
            One sequence or a batch.
        targets : array-like, same shape as ``tokens``
            The wanted outputs.

        Returns
        -------
        float
        """
        return float(np.mean((self.predict(tokens) - as_float_array(targets, "targets")) ** 2))

    def attention_context(self, tokens, *, weights=None) -> Context:
        """The learned attention context of one sequence.

        Parameters
        ----------
        tokens : array-like, shape (n, p)
            One sequence.
        weights : None, "stationary" or array-like of shape (n,), default=None
            The marginal of X, as in :func:`contexture_lab.attention.attention_context`.

        Returns
        -------
        Context, shape (n, n)
        """
        X = self._tokens(tokens, "tokens")
        if X.ndim != 2:
            raise ValueError(f"attention_context takes one sequence of shape (n, {self.dim}), "
                             f"got {tuple(X.shape)}")
        return self_attention_context(X, self.params["W_Q"].detach(),
                                      self.params["W_K"].detach(), self.temperature,
                                      weights=weights, device=self.device,
                                      name="learned attention")


__all__ = ["ACTIVATIONS", "AttentionLayer", "Encoder", "MLP", "RandomFeatureEncoder",
           "cpu_single_thread", "median_bandwidth"]
