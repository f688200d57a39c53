"""Precomputed association sweeps behind :func:`contexture_lab.widgets.association_explorer`.

A sweep turns a knob (THEORY.md section 5) over a grid and stores, for every knob value,
everything a slider step shows: the spectrum s_1..s_d, the top left singular functions,
the label-free association measures, the connected components and the downstream error
of a ridge probe that uses the exact contexture mu_1..mu_d as its encoder. A slider step
then only indexes arrays.

Sweeps are cached in memory and on disk (``.npz`` keyed by a hash of every input), so
opening a notebook a second time is fast; files are written atomically and checked when
read, and a damaged one is recomputed (:mod:`contexture_lab._cache`). The folder is
``$CONTEXTURE_LAB_CACHE`` if set, else ``$XDG_CACHE_HOME/contexture_lab`` or
``~/.cache/contexture_lab``; pass ``cache=False`` to recompute.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from .. import association
from .._cache import CacheWarning, damaged, default_cache_dir, load_arrays, save_arrays
from .._threads import one_thread
from .._validation import as_float_array, check_int
from ..probe import probe_error
from ._grid import grid_position

#: Bump when what a sweep stores changes, so old cache files are not read.
CACHE_VERSION = "association-sweep-4"

#: The KNN grid of notebook 05 on digits (k = number of neighbours).
DIGITS_KS = (1, 2, 3, 5, 8, 12, 20, 30, 50, 80, 130, 200, 350, 600, 1000)

#: Metric names stored per knob value (see :func:`contexture_lab.association.metrics`).
METRICS = ("decay_rate", "kernel_deviation", "tau", "tau_argmin", "effective_dimension",
           "n_components")

_MEMORY: dict[str, "AssociationSweep"] = {}


@dataclass(frozen=True)
class AssociationSweep:
    """A knob's grid with everything the association explorer shows.

    Attributes
    ----------
    knob : str
        One of :data:`contexture_lab.association.KNOBS`.
    values : ndarray, shape (V,)
        Knob values.
    singular_values : ndarray, shape (V, d)
        s_1..s_d per knob value (NaN-padded where a context has fewer).
    left : ndarray, shape (V, N, d)
        Left singular functions mu_1..mu_d (orthonormal in L2(P_X)).
    p_x : ndarray, shape (V, N)
        The marginal of X per knob value.
    metrics : dict of str -> ndarray, shape (V,)
        The keys of :data:`METRICS`.
    d_values : ndarray of int, shape (D,)
        Encoder dimensions of the probe.
    probe_error : ndarray, shape (V, D)
        Test error of the ridge probe on mu_1..mu_d (NaN without labels).
    labels : ndarray, shape (N,) or None
        The probe's task.
    images : ndarray, shape (V, n_pixels, n_images) or None
        Each function seen in feature space, E[X mu_i(X)] (for digits: an 8x8 image).
    image_shape : tuple or None
    """

    knob: str
    values: np.ndarray
    singular_values: np.ndarray
    left: np.ndarray
    p_x: np.ndarray
    metrics: dict
    d_values: np.ndarray
    probe_error: np.ndarray
    labels: np.ndarray | None
    images: np.ndarray | None
    image_shape: tuple | None

    @property
    def parameter(self) -> str:
        """The knob's parameter name (k, bandwidth, steps, flip, temperature)."""
        return association.KNOBS[self.knob][0]

    def index(self, value) -> int:
        """Position of a knob value on the grid (``ValueError`` if it is not on it)."""
        hits = np.flatnonzero(np.isclose(self.values, float(value)))
        if hits.size == 0:
            raise ValueError(f"{self.parameter}={value!r} is not on the sweep's grid "
                             f"{self.values.tolist()}")
        return int(hits[0])

    def d_index(self, d) -> int:
        """Position of an encoder dimension in :attr:`d_values`."""
        return grid_position(self.d_values, d, "d", "d_values")

    def probe_errors(self, y, *, d_values=None, n_per_class: int = 5,
                     n_repeats: int = 5, seed: int = 0) -> np.ndarray:
        """Probe error of another task ``y`` (N,) on the stored functions, (V, D)."""
        d_values = self.d_values if d_values is None else np.asarray(d_values)
        return _probe_grid(self.left, y, d_values, n_per_class, n_repeats, seed)


def _probe_grid(left, y, d_values, n_per_class, n_repeats, seed) -> np.ndarray:
    out = np.full((left.shape[0], len(d_values)), np.nan)
    for v, mu in enumerate(left):
        for j, d in enumerate(d_values):
            if d <= mu.shape[1] and np.isfinite(mu[:, :d]).all():
                out[v, j] = probe_error(mu[:, :d], y, n_per_class=n_per_class,
                                        n_repeats=n_repeats, seed=seed)
    return out


def _code_fingerprint() -> bytes:
    """The source of the modules a sweep's numbers come from: edited code, new cache key."""
    from .. import contexts, degeneracy, probe, spectrum

    return b"".join(Path(m.__file__).read_bytes()
                    for m in (association, contexts, degeneracy, probe, spectrum))


def _cache_key(*parts) -> str:
    from ..degeneracy import scramble_seed

    digest = hashlib.sha256(CACHE_VERSION.encode())
    digest.update(_code_fingerprint())
    # a sweep computed under the scramble switch is not the plain one
    digest.update(f"scramble={scramble_seed()}".encode())
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(f"{part.dtype}{part.shape}".encode())
            digest.update(np.ascontiguousarray(part).tobytes())
        elif hasattr(part, "toarray"):
            digest.update(repr(part.shape).encode())
            digest.update(np.ascontiguousarray(part.toarray()).tobytes())
        else:
            digest.update(repr(part).encode())
    return digest.hexdigest()[:20]


def _save(sweep: AssociationSweep, path: Path) -> None:
    """Write ``sweep`` atomically (a read-only folder: one warning, memory cache only)."""
    arrays = {}
    for f in fields(sweep):
        value = getattr(sweep, f.name)
        if f.name == "metrics":
            arrays.update({f"metric_{k}": v for k, v in value.items()})
        elif value is not None:
            arrays[f.name] = np.asarray(value)
    save_arrays(path, arrays)


#: Arrays every stored sweep has.
_REQUIRED = ("knob", "values", "singular_values", "left", "p_x", "d_values", "probe_error",
             *(f"metric_{m}" for m in METRICS))


def _check_shapes(a: dict) -> str | None:
    """What is inconsistent about the stored arrays ``a``, or None."""
    if a["values"].ndim != 1 or a["p_x"].ndim != 2 or a["singular_values"].ndim != 2 \
            or a["d_values"].ndim != 1:
        return "values, p_x, singular_values or d_values has the wrong number of dimensions"
    V, N = a["values"].shape[0], a["p_x"].shape[1]
    d, D = a["singular_values"].shape[1], a["d_values"].shape[0]
    want = {"knob": (), "values": (V,), "singular_values": (V, d), "left": (V, N, d),
            "p_x": (V, N), "d_values": (D,), "probe_error": (V, D), "labels": (N,),
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
    return AssociationSweep(
        knob=str(arrays["knob"]), values=arrays["values"],
        singular_values=arrays["singular_values"], left=arrays["left"], p_x=arrays["p_x"],
        metrics=metrics, d_values=arrays["d_values"], probe_error=arrays["probe_error"],
        labels=arrays.get("labels"), images=arrays.get("images"),
        image_shape=tuple(int(v) for v in arrays["image_shape"])
        if "image_shape" in arrays else None)


def build_sweep(knob: str, values, *, y=None, d: int = 32, d_values=(2, 4, 8, 16, 32),
                image_features=None, image_shape=None, n_images: int = 6,
                n_per_class: int = 5, n_repeats: int = 5, seed: int = 0, beta: float = 1.0,
                cache: bool = True, cache_dir=None, **data) -> AssociationSweep:
    """Precompute an :class:`AssociationSweep` (or read it from the cache).

    Parameters
    ----------
    knob, values, **data
        As in :func:`contexture_lab.association.knob_contexts`.
    y : array-like, shape (N,), optional
        Labels of the probe's task; without them ``probe_error`` is NaN.
    d : int
        Number of singular pairs kept per knob value (capped by the context's size).
    d_values : sequence of int
        Encoder dimensions at which the probe is evaluated (each <= d).
    image_features : array-like, shape (N, n_pixels), optional
        Features in which to show the top ``n_images`` functions as E[X mu_i(X)].
    image_shape : tuple, optional
        Shape of one image (e.g. (8, 8)).
    n_per_class, n_repeats, seed
        Of :func:`contexture_lab.probe.probe_error`.
    beta : float
        Of :func:`contexture_lab.association.tau` (d0 = d).
    cache : bool
        Read and write the memory and disk caches.
    cache_dir : path-like, optional
        Defaults to :func:`default_cache_dir`.
    """
    d = check_int(d, "d", low=2)
    d_values = np.array([check_int(v, "d_values entry", low=1, high=d) for v in d_values])
    n_images = check_int(n_images, "n_images", low=1, high=d)
    values = list(values)
    y = None if y is None else np.asarray(y)
    feats = None if image_features is None else as_float_array(image_features,
                                                               "image_features", ndim=2)
    key = _cache_key(knob, values, y, d, d_values, feats, image_shape, n_images,
                     n_per_class, n_repeats, seed, beta, sorted(data),
                     *[np.asarray(data[k]) if not hasattr(data[k], "toarray") else data[k]
                       for k in sorted(data)])
    path = Path(cache_dir or default_cache_dir()) / f"{key}.npz"
    if cache:
        if key in _MEMORY:
            return _MEMORY[key]
        hit = _load(path) if path.exists() else None
        if hit is not None:
            _MEMORY[key] = hit
            return hit
    spectra, lefts, pxs, rows = [], [], [], []
    # Lanczos and the kernel blocks are many modest BLAS calls; a second BLAS thread made
    # this loop 2-3x *slower* on a busy, shared 2-core machine (threads spin-waiting)
    with one_thread():
        for point in association.sweep(knob, values, d=d, **data):
            s = np.full(d, np.nan)
            s[:point.singular_values.size] = point.singular_values
            mu = np.full((point.left.shape[0], d), np.nan)
            mu[:, :point.left.shape[1]] = point.left
            spectra.append(s)
            lefts.append(mu)
            pxs.append(point.context.p_x)
            rows.append(association.metrics(point.singular_values, point.context, beta=beta))
    left = np.stack(lefts)
    p_x = np.stack(pxs)
    images = None
    if feats is not None:
        images = np.einsum("vn,np,vnk->vpk", p_x, feats, np.nan_to_num(left[:, :, :n_images]))
    errors = (np.full((len(values), d_values.size), np.nan) if y is None else
              _probe_grid(left, y, d_values, n_per_class, n_repeats, seed))
    sweep = AssociationSweep(
        knob=knob, values=np.asarray(values, dtype=float), singular_values=np.stack(spectra),
        left=left, p_x=p_x,
        metrics={m: np.array([row[m] for row in rows], dtype=float) for m in METRICS},
        d_values=d_values, probe_error=errors, labels=y, images=images,
        image_shape=None if image_shape is None else tuple(image_shape))
    if cache:
        _MEMORY[key] = sweep
        _save(sweep, path)
    return sweep


def digits_knn_sweep(ks=DIGITS_KS, *, d: int = 32, d_values=(2, 4, 8, 16, 32),
                     n_per_class: int = 5, seed: int = 0, cache: bool = True,
                     cache_dir=None) -> AssociationSweep:
    """The KNN sweep on all 1,797 digits of notebook 05: probe on ``n_per_class`` labels."""
    from ..datasets import load_digits

    digits = load_digits()
    return build_sweep("knn", ks, X=digits.X, y=digits.y, d=d, d_values=d_values,
                       image_features=digits.X, image_shape=(8, 8),
                       n_per_class=n_per_class, seed=seed, cache=cache, cache_dir=cache_dir)


def correlations(sweep: AssociationSweep, d=None) -> dict:
    """Pearson correlation of each label-free measure with the probe error over the sweep.

    Knob values where a measure is not finite (tau at an extreme) are left out.
    ``d`` picks the probe's encoder dimension (default: the largest of ``d_values``).
    """
    j = sweep.d_values.size - 1 if d is None else sweep.d_index(d)
    err = sweep.probe_error[:, j]
    out = {}
    for name in ("decay_rate", "kernel_deviation", "tau", "effective_dimension"):
        m = sweep.metrics[name]
        ok = np.isfinite(m) & np.isfinite(err)
        out[name] = (float(np.corrcoef(m[ok], err[ok])[0, 1]) if ok.sum() >= 3
                     and np.ptp(m[ok]) > 0 else float("nan"))
    return out


__all__ = ["AssociationSweep", "CACHE_VERSION", "CacheWarning", "DIGITS_KS", "METRICS",
           "build_sweep", "correlations", "default_cache_dir", "digits_knn_sweep"]
