"""Precomputed association sweeps behind
:func:`contexture_lab.widgets.association.association_explorer`.

A sweep turns a knob (THEORY.md section 5) over a grid and stores, for every knob value,
everything a slider step shows: the spectrum s_1..s_d0 (d0 = 512 where the context has
that many, as [ICML] computes tau), the top left singular functions, the label-free
association measures, the connected components and the downstream error of a ridge probe
that uses the exact contexture mu_1..mu_d as its encoder. A slider step then only indexes
arrays.

Repeated singular values. Where s_d = s_{d+1} the top-d span is not determined (a KNN
graph in 63 pieces has s = 1 sixty-two times). Every cluster of equal singular values among
the stored functions is therefore given a *seeded random basis* that does not depend on the
basis a solver returned (:func:`contexture_lab.degeneracy.cluster_bases`: the
L2(P_X)-projections of seeded isotropic Gaussians onto the cluster's eigenspace, Gram-Schmidt
orthonormalised). A probe error at a d inside a cluster is the mean over ``n_bases`` such
bases, with their sample spread (:func:`contexture_lab.degeneracy.mean_over_bases`); at a d
that ends at a gap it is the plain error of the unique span. Nothing stored depends on the
solver's, the thread count's or the scramble switch's choice of basis. Decompositions come
from :mod:`contexture_lab.spectrum` (the values-only path
:func:`~contexture_lab.spectrum.singular_values` and
:func:`~contexture_lab.spectrum.contexture`), contexts from the knob registry
(:func:`contexture_lab.contexts.knob_contexts`); this module only sweeps.

Sweeps are cached in memory and on disk (``.npz`` keyed by a hash of every input), so
opening a notebook a second time is fast; files are written atomically and checked when
read, and a damaged one is recomputed (``contexture_lab._cache``). The folder is
``$CONTEXTURE_LAB_CACHE`` if set, else ``$XDG_CACHE_HOME/contexture_lab`` or
``~/.cache/contexture_lab``; pass ``cache=False`` to recompute.

The digits sweep of notebook 05 also ships with the package (``contexture_lab/data``,
written by ``tools/ship_sweeps.py``, functions in single precision), so that a first open
with an empty cache reads it instead of computing it for about 20 s. It is named by a hash
of every input, is never used under the scramble switch (that run recomputes everything),
and the tests compare it with a recomputation.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from .. import association, contexts, degeneracy, spectrum
from .._cache import (
    CacheWarning,
    cache_key,
    code_fingerprint,
    damaged,
    default_cache_dir,
    load_arrays,
    save_arrays,
)
from .._threads import one_thread
from .._validation import as_float_array, check_int, renamed_random_state
from ..probe import probe_error
from ._grid import GridLookup

#: Bump when what a sweep stores changes, so old cache files are not read.
CACHE_VERSION = "association-sweep-5"

#: The KNN grid of notebook 05 on digits (k = number of neighbours).
DIGITS_KS = (1, 2, 3, 5, 8, 12, 20, 30, 50, 80, 130, 200, 350, 600, 1000)

#: Metric names stored per knob value (see :func:`contexture_lab.association.metrics`).
METRICS = ("decay_rate", "kernel_deviation", "tau", "tau_argmin", "effective_dimension",
           "n_components")

#: A sparse context with more stored entries per row than this has its functions computed
#: by the dense solver: ARPACK's shift-invert factorisation of a nearly dense Gram matrix
#: costs several times a dense eigensolver (digits, k = 1000: 5.5 s of CPU against 0.7 s).
DENSE_FROM_ROW_ENTRIES = 20

#: Sweeps shipped with the package (the digits sweep of notebook 05), so that a first open
#: computes nothing; ``tools/ship_sweeps.py`` writes them, the tests recompute them.
SHIPPED_DIR = Path(__file__).resolve().parents[1] / "data"

#: Where :func:`build_sweep` also writes each sweep it computes, as a shipped sweep (set
#: by ``tools/ship_sweeps.py``); None: nowhere.
SHIP_TO = None

_MEMORY: dict[str, AssociationSweep] = {}


@dataclass(frozen=True)
class AssociationSweep(GridLookup):
    """A knob's grid with everything the association explorer shows.

    Attributes
    ----------
    knob : str
        One of :data:`contexture_lab.contexts.KNOBS`.
    values : ndarray, shape (V,)
        Knob values.
    spectrum : ndarray, shape (V, K)
        s_1..s_d0 per knob value, d0 = min(512, min(N, M) - 1), K the largest of them
        (NaN-padded where a context has fewer); the label-free measures are computed from it.
    singular_values : ndarray, shape (V, d)
        s_1..s_d, the first d columns of ``spectrum`` (those of the stored functions).
    left : ndarray, shape (V, N, d)
        Left singular functions mu_1..mu_d (orthonormal in L2(P_X)); inside a cluster of
        equal singular values the seeded random basis of seed 0 (see the module).
    in_cluster : ndarray of bool, shape (V, d)
        Whether mu_i belongs to a cluster of equal singular values (its basis is then a
        seeded random one, not determined by the context).
    p_x : ndarray, shape (V, N)
        The marginal of X per knob value.
    metrics : dict of str -> ndarray, shape (V,)
        The keys of :data:`METRICS`.
    d_values : ndarray of int, shape (D,)
        Encoder dimensions of the probe.
    probe_error : ndarray, shape (V, D)
        Test error of the ridge probe on mu_1..mu_d (NaN without labels); where d cuts a
        cluster, the mean over ``n_bases`` seeded random bases of it.
    probe_spread : ndarray, shape (V, D)
        Sample standard deviation (ddof=1) of that error over the bases (0 where the top-d
        span is unique).
    unique : ndarray of bool, shape (V, D)
        Whether the top-d span is unique (s_d > s_{d+1}).
    labels : ndarray, shape (N,) or None
        The probe's task.
    images : ndarray, shape (V, n_pixels, n_images) or None
        Each function seen in feature space, E[X mu_i(X)] (for digits: an 8x8 image).
    image_shape : tuple or None
    """

    knob: str
    values: np.ndarray
    spectrum: np.ndarray
    singular_values: np.ndarray
    left: np.ndarray
    in_cluster: np.ndarray
    p_x: np.ndarray
    metrics: dict
    d_values: np.ndarray
    probe_error: np.ndarray
    probe_spread: np.ndarray
    unique: np.ndarray
    labels: np.ndarray | None
    images: np.ndarray | None
    image_shape: tuple | None

    @property
    def parameter(self) -> str:
        """The knob's parameter name (k, bandwidth, steps, flip, temperature)."""
        return contexts.KNOBS[self.knob][0]

    @property
    def best_error(self) -> np.ndarray:
        """``err_d*``: the probe error at the best d of ``d_values`` per knob value, (V,)
        (the target of [ICML]'s correlations; NaN without labels)."""
        err = self.probe_error
        out = np.full(err.shape[0], np.nan)
        ok = np.isfinite(err).any(axis=1)
        out[ok] = np.nanmin(err[ok], axis=1)
        return out

    @renamed_random_state("seed")
    def probe_errors(self, y, *, d_values=None, n_per_class: int = 5,
                     n_repeats: int = 5, random_state: int = 0) -> np.ndarray:
        """Probe error of another task ``y`` on the stored functions.

        Only at d values that end at a gap (elsewhere NaN): the stored functions carry one
        seeded basis of each cluster, and the sweep's other bases are not kept.

        Parameters
        ----------
        y : array-like, shape (N,)
            Labels of the task.
        d_values : sequence of int, optional
            Encoder dimensions; default the sweep's.
        n_per_class : int, default=5
            Labelled points per class.
        n_repeats : int, default=5
            Labelled draws.
        random_state : int, default=0
            Seed of the draws.

        Returns
        -------
        ndarray, shape (V, D)
            One row per knob value, one column per d.
        """
        d_values = self.d_values if d_values is None else np.asarray(d_values)
        out = np.full((self.left.shape[0], len(d_values)), np.nan)
        for v, mu in enumerate(self.left):
            s = self.spectrum[v]
            for j, d in enumerate(d_values):
                if d <= mu.shape[1] and np.isfinite(mu[:, :d]).all() and _ends_at_gap(s, d):
                    out[v, j] = probe_error(mu[:, :d], y, n_per_class=n_per_class,
                                            n_repeats=n_repeats,
                                            random_state=random_state)
        return out


def _ends_at_gap(s, d: int) -> bool:
    """Whether s_d > s_{d+1} (True when s_{d+1} is not there: nothing follows)."""
    s = np.asarray(s)
    s = s[np.isfinite(s)]
    return d >= s.size or s[d - 1] - s[d] > degeneracy.tolerance(s)


# ---------------------------------------------------------------------- one knob value
#: Kept under its old name: the values-only path is
#: :func:`contexture_lab.spectrum.singular_values` (``method="values"``).
def top_singular_values(ctx, k: int) -> np.ndarray:
    """s_1..s_k by component, values only (an alias kept for
    ``spectrum.singular_values(ctx, k, method="values")``).

    Parameters
    ----------
    ctx : Context
        The context.
    k : int
        Number of values.

    Returns
    -------
    ndarray, shape (k,)
    """
    return spectrum.singular_values(ctx, k, method="values")


def _functions(ctx, spec, nd: int, n_bases: int):
    """Top-nd functions under each of ``n_bases`` seeded bases of the clusters, and the
    clusters (start, stop) they touch (:func:`contexture_lab.degeneracy.cluster_bases`).
    Returns (list of (N, nd) arrays, clusters)."""
    n_max = min(ctx.shape) - 1
    ones = association.n_components(ctx) - 1
    p = ctx.p_x
    if ones >= nd:  # every stored function lies in the s = 1 eigenspace (the pieces)
        bases, _ = degeneracy.cluster_bases(np.ones(ones), None, p, nd, n_bases=n_bases,
                                            spans={(0, ones): spectrum.piece_projector(ctx)})
        return bases, [(0, ones)]
    values = spec
    hi = degeneracy.closes_at(values, nd)[1] if nd < values.size else nd
    if hi >= values.size and values.size < n_max:  # a cluster runs past what is known
        values = spectrum.singular_values(ctx, n_max, method="values")
        hi = degeneracy.closes_at(values, nd)[1] if nd < values.size else nd
    method = ("dense" if ctx.is_sparse and ctx.P.nnz > DENSE_FROM_ROW_ENTRIES * ctx.shape[0]
              and min(ctx.shape) <= spectrum.DENSE_LIMIT else "auto")
    res = spectrum.contexture(ctx, max(hi, nd), method=method, on_degenerate="ignore")
    return degeneracy.cluster_bases(res.singular_values, res.left, p, nd, n_bases=n_bases)


def _probe_row(bases, spec, y, d_values, n_per_class, n_repeats, seed):
    """Probe error (mean over bases where d cuts a cluster) and its spread, (D,) each."""
    err = np.full(len(d_values), np.nan)
    spread = np.zeros(len(d_values))
    for j, d in enumerate(d_values):
        if d > bases[0].shape[1]:
            continue
        use = bases[:1] if _ends_at_gap(spec, d) else bases
        err[j], spread[j] = degeneracy.mean_over_bases(
            [probe_error(B[:, :d], y, n_per_class=n_per_class, n_repeats=n_repeats,
                         random_state=seed) for B in use])
    return err, spread


def _code_fingerprint() -> bytes:
    """The source of the modules a sweep's numbers come from: edited code, new cache key."""
    from .. import probe

    return code_fingerprint(association, contexts, degeneracy, probe, spectrum, __file__)


def _cache_key(*parts) -> str:
    """The disk cache's key: the inputs, the code that computes from them, the scramble."""
    from ..degeneracy import scramble_seed

    # a sweep computed under the scramble switch is not the plain one
    return _digest(parts, _code_fingerprint() + f"scramble={scramble_seed()}".encode())


def _shipped_name(*parts) -> str:
    """The name of the shipped sweep of these inputs (the code is checked by the tests,
    which compare each shipped sweep with a recomputation)."""
    return "association-" + _digest(parts, b"shipped") + ".npz"


def _digest(parts, extra: bytes) -> str:
    return cache_key(CACHE_VERSION, *parts, salt=extra)


def _save(sweep: AssociationSweep, path: Path, *, single_left: bool = False) -> None:
    """Write ``sweep`` atomically (a read-only folder: one warning, memory cache only);
    ``single_left`` stores the functions in single precision (a shipped sweep: half the
    size; they are read back in double precision)."""
    arrays = {}
    for f in fields(sweep):
        value = getattr(sweep, f.name)
        if f.name == "metrics":
            arrays.update({f"metric_{k}": v for k, v in value.items()})
        elif value is not None:
            arrays[f.name] = np.asarray(value)
    if single_left:
        arrays["left"] = arrays["left"].astype(np.float32)
    save_arrays(path, arrays)


#: Arrays every stored sweep has.
_REQUIRED = ("knob", "values", "spectrum", "singular_values", "left", "in_cluster", "p_x",
             "d_values", "probe_error", "probe_spread", "unique",
             *(f"metric_{m}" for m in METRICS))


def _check_shapes(a: dict) -> str | None:
    """What is inconsistent about the stored arrays ``a``, or None."""
    if a["values"].ndim != 1 or a["p_x"].ndim != 2 or a["singular_values"].ndim != 2 \
            or a["d_values"].ndim != 1 or a["spectrum"].ndim != 2:
        return ("values, p_x, spectrum, singular_values or d_values has the wrong number of "
                "dimensions")
    V, N = a["values"].shape[0], a["p_x"].shape[1]
    d, D = a["singular_values"].shape[1], a["d_values"].shape[0]
    want = {"knob": (), "values": (V,), "spectrum": (V, a["spectrum"].shape[1]),
            "singular_values": (V, d), "left": (V, N, d), "in_cluster": (V, d),
            "p_x": (V, N), "d_values": (D,), "probe_error": (V, D), "probe_spread": (V, D),
            "unique": (V, D), "labels": (N,),
            **{f"metric_{m}": (V,) for m in METRICS}}
    for name, shape in want.items():
        if name in a and a[name].shape != shape:
            return f"{name} has shape {a[name].shape}, expected {shape}"
    if "images" in a and (a["images"].ndim != 3 or a["images"].shape[0] != V):
        return f"images has shape {a['images'].shape}, expected ({V}, n_pixels, n_images)"
    return None


def _load(path: Path) -> AssociationSweep | None:
    """The sweep stored at ``path``; None (one warning) when the file is damaged."""
    arrays = load_arrays(path, required=_REQUIRED)
    if arrays is None:
        return None
    problem = _check_shapes(arrays)
    if problem is not None:
        damaged(path, problem)
        return None
    metrics = {k[len("metric_"):]: arrays.pop(k) for k in list(arrays) if
               k.startswith("metric_")}
    shape = arrays.pop("image_shape", None)
    arrays["left"] = arrays["left"].astype(float)     # a shipped sweep's are single
    try:
        return AssociationSweep(
            **{f.name: arrays.get(f.name) for f in fields(AssociationSweep)
               if f.name not in ("knob", "metrics", "image_shape")},
            knob=str(arrays["knob"]), metrics=metrics,
            image_shape=None if shape is None else tuple(int(v) for v in shape))
    except KeyError:
        return None


@renamed_random_state("seed")
def build_sweep(knob: str, values, *, y=None, d: int = 32, d_values=(2, 4, 8, 16, 32),
                d0: int = association.TAU_D0, n_bases: int = 5, image_features=None,
                image_shape=None, n_images: int = 6, n_per_class: int = 5,
                n_repeats: int = 5, random_state: int = 0, beta: float = 1.0,
                cache: bool = True, cache_dir=None, **data) -> AssociationSweep:
    """Precompute an :class:`AssociationSweep` (or read it from the cache).

    Parameters
    ----------
    knob : {"knn", "rbf", "random_walk", "hypercube", "attention"}
        As in :func:`contexture_lab.contexts.knob_contexts`.
    values : sequence
        The knob values, as in :func:`contexture_lab.contexts.knob_contexts`.
    y : array-like, shape (N,), optional
        Labels of the probe's task; without them ``probe_error`` is NaN.
    d : int, default=32
        Number of singular functions kept per knob value (capped by the context's size).
    d_values : sequence of int, default=(2, 4, 8, 16, 32)
        Encoder dimensions at which the probe is evaluated (each <= d).
    d0 : int, default 512
        Number of singular values kept per knob value (capped by the context's size); the
        label-free measures, tau's normaliser included, are computed from them.
    n_bases : int, default 5
        Seeded random bases of a cluster of equal singular values over which the probe
        error is averaged where d cuts the cluster (see the module).
    image_features : array-like, shape (N, n_pixels), optional
        Features in which to show the top ``n_images`` functions as E[X mu_i(X)].
    image_shape : tuple, optional
        Shape of one image (e.g. (8, 8)).
    n_images : int, default=6
        Number of functions shown as images.
    n_per_class : int, default=5
        Of :func:`contexture_lab.probe.probe_error`: labelled points per class.
    n_repeats : int, default=5
        Of :func:`contexture_lab.probe.probe_error`: labelled draws.
    random_state : int, default=0
        The probe's seed (old name ``seed``). The seeded bases of a cluster do not depend
        on it: they are the bases 0 .. n_bases - 1 of
        :func:`contexture_lab.degeneracy.cluster_bases`.
    beta : float, default=1.0
        Of :func:`contexture_lab.association.tau`.
    cache : bool, default=True
        Read and write the memory and disk caches.
    cache_dir : path-like, optional
        Defaults to :func:`default_cache_dir`.
    **data : array-like or int
        What the builder needs, as in :func:`contexture_lab.contexts.knob_contexts`.

    Returns
    -------
    AssociationSweep
    """
    seed = check_int(random_state, "random_state", low=0)
    d = check_int(d, "d", low=2)
    d0 = check_int(d0, "d0", low=2)
    n_bases = check_int(n_bases, "n_bases", low=2)
    d_values = np.array([check_int(v, "d_values entry", low=1, high=d) for v in d_values])
    n_images = check_int(n_images, "n_images", low=1, high=d)
    values = list(values)
    y = None if y is None else np.asarray(y)
    feats = None if image_features is None else as_float_array(image_features,
                                                               "image_features", ndim=2)
    parts = (knob, values, y, d, d_values, d0, n_bases, feats, image_shape, n_images,
             n_per_class, n_repeats, seed, beta, sorted(data),
             *[np.asarray(data[k]) if not hasattr(data[k], "toarray") else data[k]
               for k in sorted(data)])
    key = _cache_key(*parts)
    path = Path(cache_dir or default_cache_dir()) / f"{key}.npz"
    if cache:
        if key in _MEMORY:
            return _MEMORY[key]
        hit = _load(path) if path.exists() else None
        if hit is None:
            hit = _shipped(_shipped_name(*parts))
        if hit is not None:
            _MEMORY[key] = hit
            return hit
    V, D = len(values), d_values.size
    spectra, lefts, flags, pxs, rows = [], [], [], [], []
    errors, spreads = np.full((V, D), np.nan), np.zeros((V, D))
    unique = np.ones((V, D), dtype=bool)
    # LAPACK and the kernel blocks are many modest BLAS calls; a second BLAS thread made
    # this loop 2-3x *slower* on a busy, shared 2-core machine (threads spin-waiting)
    with one_thread():
        for v, (_, ctx) in enumerate(contexts.knob_contexts(knob, values, **data)):
            n_max = min(ctx.shape) - 1
            spec = spectrum.singular_values(ctx, min(d0, n_max), method="values")
            nd = min(d, n_max)
            bases, clusters = _functions(ctx, spec, nd, n_bases)
            mu = np.full((ctx.shape[0], d), np.nan)
            mu[:, :nd] = bases[0]
            flag = np.zeros(d, dtype=bool)
            for start, stop in clusters:
                flag[start:min(stop, nd)] = True
            unique[v] = [_ends_at_gap(spec, int(dv)) for dv in d_values]
            if y is not None:
                errors[v], spreads[v] = _probe_row(bases, spec, y, d_values, n_per_class,
                                                   n_repeats, seed)
            spectra.append(spec)
            lefts.append(mu)
            flags.append(flag)
            pxs.append(ctx.p_x)
            rows.append(association.metrics(spec, ctx, beta=beta))
    left = np.stack(lefts)
    p_x = np.stack(pxs)
    spec_all = np.full((V, max(s.size for s in spectra)), np.nan)
    for v, spec in enumerate(spectra):
        spec_all[v, :spec.size] = spec
    images = None
    if feats is not None:
        images = np.einsum("vn,np,vnk->vpk", p_x, feats, np.nan_to_num(left[:, :, :n_images]))
    sweep = AssociationSweep(
        knob=knob, values=np.asarray(values, dtype=float), spectrum=spec_all,
        singular_values=np.pad(spec_all[:, :d], ((0, 0), (0, max(0, d - spec_all.shape[1]))),
                               constant_values=np.nan), left=left, in_cluster=np.stack(flags),
        p_x=p_x, metrics={m: np.array([row[m] for row in rows], dtype=float)
                          for m in METRICS},
        d_values=d_values, probe_error=errors, probe_spread=spreads, unique=unique,
        labels=y, images=images,
        image_shape=None if image_shape is None else tuple(image_shape))
    if cache:
        _MEMORY[key] = sweep
        _save(sweep, path)
    if SHIP_TO is not None:
        _save(sweep, Path(SHIP_TO) / _shipped_name(*parts), single_left=True)
    return sweep


def _shipped(name: str) -> AssociationSweep | None:
    """The shipped sweep ``name``, if the package has it and may use it.

    Never under the scramble switch (``CONTEXTURE_LAB_SCRAMBLE``): that run must recompute
    every sweep, so that nothing it shows can come from a basis chosen elsewhere.
    """
    from ..degeneracy import scramble_seed

    path = SHIPPED_DIR / name
    if scramble_seed() is not None or not path.exists():
        return None
    return _load(path)


@renamed_random_state("seed")
def digits_knn_sweep(ks=DIGITS_KS, *, d: int = 32, d_values=(2, 4, 8, 16, 32),
                     d0: int = association.TAU_D0, n_per_class: int = 5,
                     random_state: int = 0, cache: bool = True,
                     cache_dir=None) -> AssociationSweep:
    """The KNN sweep on all 1,797 digits of notebook 05.

    Parameters
    ----------
    ks : sequence of int, default=DIGITS_KS
        The k of each KNN context.
    d : int, default=32
        As in :func:`build_sweep`.
    d_values : sequence of int, default=(2, 4, 8, 16, 32)
        As in :func:`build_sweep`.
    d0 : int, default=512
        As in :func:`build_sweep`.
    n_per_class : int, default=5
        Labels per class of the probe.
    random_state : int, default=0
        The probe's seed (old name ``seed``).
    cache : bool, default=True
        As in :func:`build_sweep`.
    cache_dir : path-like, optional
        As in :func:`build_sweep`.

    Returns
    -------
    AssociationSweep
    """
    from ..datasets import load_digits

    digits = load_digits()
    return build_sweep("knn", ks, X=digits.X, y=digits.y, d=d, d_values=d_values, d0=d0,
                       image_features=digits.X, image_shape=(8, 8),
                       n_per_class=n_per_class, random_state=random_state, cache=cache,
                       cache_dir=cache_dir)


def correlations(sweep: AssociationSweep, d=None, *, values=None) -> dict:
    """Pearson correlation of each label-free measure with the probe error over the sweep.

    Knob values where a measure is not finite (tau at an extreme) are left out; fewer than
    3 points left gives NaN.

    Parameters
    ----------
    sweep : AssociationSweep
        A built sweep with labels.
    d : int, optional
        The probe's encoder dimension; default None: err_d*, the error at the best d of
        ``sweep.d_values`` per knob value (:attr:`AssociationSweep.best_error`), the
        target of [ICML]'s correlations.
    values : sequence, optional
        Only these knob values (default: all). A correlation over a handful of knob values
        can hinge on one of them: compare subsets before reading anything into it.

    Returns
    -------
    dict
        ``{measure name: float}``, the correlation (NaN where undetermined).
    """
    err = sweep.best_error if d is None else sweep.probe_error[:, sweep.d_index(d)]
    keep = np.ones(sweep.values.size, dtype=bool)
    if values is not None:
        keep = np.zeros_like(keep)
        keep[[sweep.index(v) for v in values]] = True
    out = {}
    for name in ("decay_rate", "kernel_deviation", "tau", "effective_dimension"):
        m = sweep.metrics[name]
        ok = np.isfinite(m) & np.isfinite(err) & keep
        out[name] = (float(np.corrcoef(m[ok], err[ok])[0, 1]) if ok.sum() >= 3
                     and np.ptp(m[ok]) > 0 else float("nan"))
    return out


__all__ = ["AssociationSweep", "CACHE_VERSION", "CacheWarning", "DIGITS_KS", "METRICS",
           "build_sweep", "correlations", "default_cache_dir", "digits_knn_sweep",
           "top_singular_values"]
