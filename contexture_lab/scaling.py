"""Model size against what the context allows: a sweep over encoder widths and depths.

The contexture theory's claim about scale ([ICML] abstract; THEORY.md section 11): once an
encoder is large enough to approximate the top-d singular functions, making it larger
brings diminishing returns, because the best any d-dimensional encoder can do is fixed by
the context. On a finite context both sides are exact numbers: the trained encoder's
alignment with mu_1..mu_d and its worst-case probe error over the compatible class F_eps
(:func:`contexture_lab.compatibility.worst_case_error`), beside the theorem's optimum
(:func:`contexture_lab.compatibility.optimal_worst_case_error`), which no encoder of
dimension d can beat whatever its size.

:func:`size_sweep` trains one encoder per (architecture, seed) with a fixed budget (the same
objective, epochs and learning rate for every size) and measures each exactly. The result
is stored in the on-disk sweep cache (``contexture_lab._cache``), keyed by the context,
the settings, the code and the torch version and device, so a second run reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from ._cache import cache_key, code_fingerprint, entry_path, load_arrays, save_arrays
from ._progress import task as _task
from ._validation import as_float_array, check_float, check_int
from .context import check_context

#: Bump when the meaning of a stored sweep changes.
CACHE_VERSION = "size-sweep-1"


@dataclass(frozen=True)
class SizeSweep:
    """Exact measurements of encoders of several sizes trained on one context.

    Attributes
    ----------
    widths, depths : ndarray of int, shape (C,)
        Hidden width and number of hidden layers of each architecture.
    parameters : ndarray of int, shape (C,)
        Trainable parameters of the encoder Phi (weights and biases).
    seeds : ndarray of int, shape (S,)
    r2 : ndarray, shape (C, S)
        R2_CCA between the trained encoder and mu_1..mu_d.
    worst_case : ndarray, shape (C, S)
        Exact worst-case linear-probe error over F_eps (NaN where not computed).
    task_error : ndarray, shape (C, S)
        Exact relative probe error on the task (mean over its columns); NaN without a task.
    floor : float
        The theorem's optimal worst-case error at (d, eps) [ICML Thm 16].
    contexture_task_error : float
        The task error of the exact contexture mu_1..mu_d (NaN without a task): where an
        encoder that learns the contexture ends up on this task. A limit, not a bound: a
        particular encoder can do better or worse on one task.
    d : int
    eps : float
    """

    widths: np.ndarray
    depths: np.ndarray
    parameters: np.ndarray
    seeds: np.ndarray
    r2: np.ndarray
    worst_case: np.ndarray
    task_error: np.ndarray
    floor: float
    contexture_task_error: float
    d: int
    eps: float


def parameter_count(in_features: int, hidden, out_features: int) -> int:
    """Weights and biases of an MLP ``in_features -> hidden... -> out_features``.

    Parameters
    ----------
    in_features : int
        Input width.
    hidden : sequence of int
        Hidden widths.
    out_features : int
        Output width.

    Returns
    -------
    int

    Examples
    --------
    >>> import contexture_lab as cl
    >>> cl.scaling.parameter_count(2, (3,), 1)     # (2 + 1) * 3 + (3 + 1) * 1
    13
    """
    widths = [check_int(in_features, "in_features", low=1),
              *(check_int(h, "hidden width", low=1) for h in hidden),
              check_int(out_features, "out_features", low=1)]
    return int(sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:])))


def _architectures(architectures):
    out = []
    for arch in architectures:
        if isinstance(arch, (int, np.integer)) or not len(arch) or not all(
                isinstance(h, (int, np.integer)) and h >= 1 for h in arch):
            raise TypeError(f"each architecture must be a non-empty tuple of hidden widths "
                            f"such as (64,) or (64, 64), got {arch!r}")
        if len(set(arch)) != 1:
            raise ValueError(f"architecture {arch!r} has unequal hidden widths; the sweep "
                             "describes each by one width and a depth")
        out.append(tuple(int(h) for h in arch))
    if not out:
        raise ValueError("architectures is empty; expected at least one, e.g. [(8,), (64,)]")
    return out


def _cache_key(*parts) -> str:
    """The sweep's key (``contexture_lab._cache.cache_key``): the inputs, the code of
    every module its numbers come from, the scramble switch and torch's version."""
    import torch

    from . import alignment, compatibility, encoders, objectives, training
    from .degeneracy import scramble_seed

    salt = (f"scramble={scramble_seed()}".encode()
            + code_fingerprint(alignment, compatibility, encoders, objectives, training,
                               __file__)
            + torch.__version__.encode())
    return cache_key(CACHE_VERSION, *parts, salt=salt)


def size_sweep(ctx, d: int, architectures, *, seeds=(0, 1, 2), objective: str = "kise",
               epochs: int = 150, lr: float = 3e-3, eps: float | None = None, task=None,
               worst_case: bool = True, device=None, cache: bool = True,
               cache_dir=None) -> SizeSweep:
    """Train an encoder per architecture and seed with a fixed budget; measure each exactly.

    Parameters
    ----------
    ctx : Context
        With ``x_features``; small enough for
        :func:`~contexture_lab.compatibility.worst_case_error` (dense N x N).
    d : int
        Representation dimension; s_d > s_{d+1} is required (a unique target span).
    architectures : sequence of tuple of int
        Hidden widths of each encoder, e.g. ``[(8,), (64,), (64, 64)]`` (equal widths).
    seeds : sequence of int, default=(0, 1, 2)
        One training run per seed and architecture.
    objective : str, default="kise"
        Passed to :func:`contexture_lab.fit_encoder`: the same budget for every size.
    epochs : int, default=150
        Passed to :func:`contexture_lab.fit_encoder`.
    lr : float, default=3e-3
        Passed to :func:`contexture_lab.fit_encoder`.
    eps : float, optional
        Slack of F_eps; default the middle of the theorem's range.
    task : array-like, shape (N,) or (N, k), optional
        A downstream task (e.g. one-hot labels) for the exact relative probe error.
    worst_case : bool, default=True
        Compute the worst-case error (about N^3 per dual step; False skips it).
    device : optional
        Training device; default :func:`contexture_lab.get_device`.
    cache : bool, default=True
        Read and write the on-disk sweep cache.
    cache_dir : path-like, optional
        Default ``contexture_lab._cache.default_cache_dir()``.

    Returns
    -------
    SizeSweep
    """
    from . import alignment, compatibility
    from .device import get_device
    from .spectrum import contexture
    from .training import fit_encoder

    ctx = check_context(ctx)
    if ctx.x_features is None:
        raise ValueError("the context has no x_features for the encoders to read; attach "
                         "them with ctx.with_features(x_features=...)")
    d = check_int(d, "d", low=1)
    archs = _architectures(architectures)
    seeds = np.array([check_int(s, "seed", low=0) for s in seeds], dtype=np.int64)
    if seeds.size == 0:
        raise ValueError("seeds is empty; expected at least one seed")
    epochs = check_int(epochs, "epochs", low=1)
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    res = contexture(ctx, d, on_degenerate="ignore")
    if not res.unique:
        raise ValueError(f"s_{d} = s_{d + 1}: the top-{d} span is not unique, so alignment "
                         "with it is not determined; choose d at a gap")
    s = contexture(ctx, min(d + 1, min(ctx.shape) - 1), on_degenerate="ignore").singular_values
    lo, hi = compatibility.theorem_eps_range(s)
    eps = (lo + hi) / 2 if eps is None else check_float(eps, "eps", low=lo, high=hi)
    floor = compatibility.optimal_worst_case_error(s, d, eps)
    Y = None if task is None else as_float_array(task, "task", ndim=(1, 2))
    device = get_device(device)
    key = _cache_key(ctx.P, ctx.x_features, d, archs, seeds, objective, epochs, lr, eps, Y,
                     worst_case, device.type)
    path = entry_path(key, folder=cache_dir or None)
    C, S = len(archs), seeds.size
    # one bar over every (size, seed), shown cached or not (stored outputs stay the same)
    bar = _task("encoders by size", C * S)
    if cache:
        stored = load_arrays(path, required=[f.name for f in fields(SizeSweep)])
        if stored is not None:
            bar.update(C * S)
            bar.close()
            return SizeSweep(**{f.name: (stored[f.name] if stored[f.name].ndim else
                                         stored[f.name].item()) for f in fields(SizeSweep)})
    r2, wc, te = (np.full((C, S), np.nan) for _ in range(3))
    for i, hidden in enumerate(archs):
        for j, seed in enumerate(seeds):
            enc = fit_encoder(ctx, objective, d, random_state=int(seed), epochs=epochs, lr=lr,
                              hidden=hidden, device=device, progress=False)
            F = enc.transform(ctx.x_features)
            r2[i, j] = alignment.cca_r2(F, res.left)
            if worst_case:
                wc[i, j] = compatibility.worst_case_error(ctx, F, eps)
            if Y is not None:
                te[i, j] = float(np.mean(compatibility.linear_probe_error(ctx, F, Y)))
            bar.update(1)
    bar.close()
    sweep = SizeSweep(
        widths=np.array([a[0] for a in archs]), depths=np.array([len(a) for a in archs]),
        parameters=np.array([parameter_count(ctx.x_features.shape[1], a, d) for a in archs]),
        seeds=seeds, r2=r2, worst_case=wc, task_error=te, floor=float(floor),
        contexture_task_error=(float("nan") if Y is None else float(np.mean(
            compatibility.linear_probe_error(ctx, res.left, Y)))),
        d=d, eps=float(eps))
    if cache:
        save_arrays(path, {f.name: np.asarray(getattr(sweep, f.name)) for f in fields(sweep)})
    return sweep


__all__ = ["CACHE_VERSION", "SizeSweep", "parameter_count", "size_sweep"]
