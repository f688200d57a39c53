"""Precomputed mixing sweeps behind :func:`contexture_lab.widgets.mixing.mixing_explorer`.

Pairs of parent contexts are mixed by each operation of :mod:`contexture_lab.mixing`
(THEORY.md section 6) over a grid: convex combinations at several weights, convolutions
at several depths (the second context applied t times after the first) and the
concatenation. For every grid point (and every parent) a sweep stores the spectrum, the
label-free association measures and the downstream error of a ridge probe that uses the
exact contexture mu_1..mu_d as its encoder, so a slider step only indexes arrays.

The contexture is computed from the N x N dual-kernel Gram matrix
(:func:`contexture_lab.mixing.dual_contexture`), which works for concatenations whose
number of context values (pairs) is far larger than N.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import degeneracy, evidence, mixing
from .._cache import cache_key, load_arrays, save_arrays
from .._progress import task
from .._validation import check_choice, check_float, check_int, renamed_random_state
from ..context import check_context
from ..probe import probe_errors
from ._grid import grid_index

#: The operations a sweep can apply, with the grid each one moves along.
OPERATIONS = {"convex": "weight", "convolution": "depth", "concatenation": None}

#: Metric names stored per grid point besides those of
#: :func:`contexture_lab.association.metrics` (decay rate, tau, effective dimension ...).
METRICS = ("sum_s2", "kernel_deviation", "n_components")

#: Parents of the digits sweep: KNN contexts with these k (strong, middle, weak).
DIGITS_KS = (3, 30, 300)

#: Digits used by the digits sweep: a seeded random subset keeps notebook 06 fast (the
#: N x N eigenproblems cost O(N^3)); pass ``n=None`` for all 1,797.
DIGITS_N = 1000

#: Pairs of the digits sweep (first, second), by parent name.
DIGITS_PAIRS = (("KNN-3", "KNN-300"), ("KNN-3", "KNN-30"))

#: Label draws behind every probe error of a sweep (the same draws for every row, so a
#: mixture and its parents are compared draw by draw).
N_DRAWS = 30


def pair_name(first: str, second: str) -> str:
    """The label of a pair of parents, e.g. ``"KNN-3 & KNN-300"``.

    Parameters
    ----------
    first : str
        The first parent's name.
    second : str
        The second's.

    Returns
    -------
    str

    Examples
    --------
    >>> from contexture_lab.explore.mixing import pair_name
    >>> pair_name("KNN-3", "KNN-300")
    'KNN-3 & KNN-300'
    """
    return f"{first} & {second}"


@dataclass(frozen=True)
class MixingSweep:
    """Everything the mixing explorer shows, for parents and their mixtures.

    Rows are grid points; :meth:`row` and :meth:`parent_row` find them.

    Attributes
    ----------
    parents : tuple of str
        Names of the parent contexts.
    pairs : tuple of (str, str)
        The mixed pairs (first, second).
    weights : ndarray, shape (W,)
        Convex-combination weights of the *first* context of a pair.
    depths : ndarray of int, shape (T,)
        Convolution depths: the second context applied t times after the first.
    operations : tuple of str
        Operations swept (keys of :data:`OPERATIONS`).
    keys : tuple of tuple
        Per row: ``("parent", name, None)`` or ``(pair_name, operation, value)`` with
        value the weight, the depth or None (concatenation).
    singular_values : ndarray, shape (R, d)
        s_1..s_d per row.
    metrics : dict of str -> ndarray, shape (R,)
        :data:`METRICS`: ``sum_s2`` is the exact sum_{i>=1} s_i^2 (trace of T T* minus 1),
        ``kernel_deviation`` is E|k_X+ - 1|, ``n_components`` the connected components;
        the others (``decay_rate``, ``tau``, ...) come from
        :func:`contexture_lab.association.metrics` on s_1..s_d (tau with d0 = d).
    d_values : ndarray of int, shape (D,)
        Encoder dimensions of the probe.
    probe_error : ndarray, shape (R, D)
        Test error of the ridge probe on mu_1..mu_d, the mean over the label draws.
    n_contexts : ndarray of int, shape (R,)
        Number of context values M of each row's context.
    probe_draws : ndarray, shape (R, D, n_draws), optional
        The per-draw errors behind ``probe_error``; draw ``r`` is the same labelled set
        for every row (None for a sweep stored without them).
    """

    parents: tuple
    pairs: tuple
    weights: np.ndarray
    depths: np.ndarray
    operations: tuple
    keys: tuple
    singular_values: np.ndarray
    metrics: dict
    d_values: np.ndarray
    probe_error: np.ndarray
    n_contexts: np.ndarray
    probe_draws: np.ndarray | None = None

    def row(self, pair, operation: str, value=None) -> int:
        """Row of a mixture.

        Parameters
        ----------
        pair : (str, str) or str
            The parents, a (first, second) tuple or its :func:`pair_name`.
        operation : str
            One of the sweep's operations.
        value : float or int, optional
            A weight or a depth, found on its grid by :func:`~contexture_lab.explore.grid_index`
            (off the grid: ``ValueError``); none for a concatenation.

        Returns
        -------
        int
        """
        name = pair_name(*pair) if isinstance(pair, tuple) else pair
        check_choice(operation, "operation", self.operations)
        names = [pair_name(*p) for p in self.pairs]
        if name not in names:
            raise ValueError(f"no pair {name!r} in the sweep; pairs {names}")
        if operation == "concatenation":
            return self.keys.index((name, operation, None))
        grid = self.weights if operation == "convex" else self.depths
        label = "weight" if operation == "convex" else "depth"
        if value is None:
            raise ValueError(f"operation {operation!r} needs a {label} on the sweep's grid "
                             f"{grid.tolist()}, got None")
        at = grid[grid_index(grid, value, name=label, grid_name=f"{label}s")]
        for i, (kind, op, val) in enumerate(self.keys):
            if kind == name and op == operation and val == at:
                return i
        raise ValueError(f"no grid point for pair {name!r}, operation {operation!r}, "
                         f"{label} {value!r}")

    def parent_row(self, name: str) -> int:
        """Row of a parent context.

        Parameters
        ----------
        name : str
            The parent's name.

        Returns
        -------
        int
        """
        check_choice(name, "parent", self.parents)
        return self.keys.index(("parent", name, None))

    def d_index(self, d) -> int:
        """Position of an encoder dimension in ``d_values``.

        Parameters
        ----------
        d : int
            A value of ``d_values``.

        Returns
        -------
        int
        """
        return grid_index(self.d_values, d, name="d", grid_name="d_values")

    def label(self, i: int) -> str:
        """A readable label of row ``i``.

        Parameters
        ----------
        i : int
            The row.

        Returns
        -------
        str
        """
        kind, op, value = self.keys[i]
        if kind == "parent":
            return op if op else kind
        if op == "convex":
            return f"{kind}: convex, w = {value:g}"
        if op == "convolution":
            return f"{kind}: convolution, depth {int(value)}"
        return f"{kind}: concatenation"

    def grid_rows(self, pair, operation: str) -> list:
        """Rows of one operation's grid for a pair, in grid order (weights or depths).

        Parameters
        ----------
        pair : (str, str) or str
            The parents, as in :meth:`row`.
        operation : str
            One of the sweep's operations.

        Returns
        -------
        list of int
        """
        if operation == "convex":
            return [self.row(pair, "convex", w) for w in self.weights]
        if operation == "convolution":
            return [self.row(pair, "convolution", t) for t in self.depths]
        return [self.row(pair, "concatenation")]

    def path(self, pair, operation: str) -> list:
        """Rows of an operation's path between the parents (for the association plane).

        Convex combination: second parent (w = 0), the weights in increasing order, first
        parent (w = 1); convolution: first parent (depth 0), then the depths;
        concatenation: first parent, the concatenation, second parent.

        Parameters
        ----------
        pair : (str, str) or str
            The parents, as in :meth:`row`.
        operation : str
            One of the sweep's operations.

        Returns
        -------
        list of int
        """
        name = pair_name(*pair) if isinstance(pair, tuple) else pair
        first, second = (self.parent_row(p) for p in name.split(" & "))
        grid = self.grid_rows(name, operation)
        if operation == "convex":
            return [second, *np.asarray(grid)[np.argsort(self.weights)].tolist(), first]
        if operation == "convolution":
            return [first, *grid]
        return [first, *grid, second]

    def mixtures_beating_parents(self, d=None) -> list:
        """Mixtures whose probe error is below both parents' at the same d.

        Parameters
        ----------
        d : int, optional
            Restrict to one encoder dimension (default: every d of the sweep).

        Returns
        -------
        list of dict
            ``row``, ``label``, ``d``, ``error``, ``parent_errors`` and ``margin`` (best
            parent's error minus the mixture's), largest margin first.
        """
        js = range(self.d_values.size) if d is None else [self.d_index(d)]
        found = []
        for i, (kind, _op, _) in enumerate(self.keys):
            if kind == "parent":
                continue
            first, second = kind.split(" & ")
            rows = (self.parent_row(first), self.parent_row(second))
            for j in js:
                parents = self.probe_error[list(rows), j]
                err = self.probe_error[i, j]
                if err < parents.min():
                    found.append({"row": i, "label": self.label(i),
                                  "d": int(self.d_values[j]), "error": float(err),
                                  "parent_errors": (float(parents[0]), float(parents[1])),
                                  "margin": float(parents.min() - err)})
        return sorted(found, key=lambda r: -r["margin"])

    def compare_with_parents(self, d, *, confidence: float = 0.95) -> list:
        """Every mixture against each of its parents, draw by draw, at encoder dimension d.

        For each mixture row the per-draw differences *parent error minus mixture error*
        (positive: the mixture is better on that draw) are summarised by
        :func:`contexture_lab.evidence.paired`, once per parent.

        Parameters
        ----------
        d : int
            Encoder dimension, one of ``d_values``.
        confidence : float, default=0.95
            Level of each paired interval.

        Returns
        -------
        list of dict
            In row order, one per mixture: ``row``, ``label``, ``d``, ``error`` (mean),
            ``parent_errors`` (means, first and second parent), ``versus`` (two
            :class:`~contexture_lab.evidence.PairedComparison`, parent minus mixture),
            ``below_both`` (mean error below both parents' means) and ``beats_both`` (both
            intervals above 0: the draws show the mixture better than each parent).
        """
        if self.probe_draws is None:
            raise ValueError("this sweep was stored without per-draw probe errors "
                             "(probe_draws is None); rebuild it with build_sweep")
        j = self.d_index(d)
        out = []
        for i, (kind, _op, _) in enumerate(self.keys):
            if kind == "parent":
                continue
            rows = [self.parent_row(p) for p in kind.split(" & ")]
            versus = tuple(evidence.paired(self.probe_draws[r, j], self.probe_draws[i, j],
                                           confidence=confidence) for r in rows)
            means = tuple(float(self.probe_error[r, j]) for r in rows)
            out.append({"row": i, "label": self.label(i), "d": int(self.d_values[j]),
                        "error": float(self.probe_error[i, j]), "parent_errors": means,
                        "versus": versus,
                        "below_both": bool(self.probe_error[i, j] < min(means)),
                        "beats_both": all(c.difference.low > 0 for c in versus)})
        return out


@renamed_random_state("seed")
def analyse(ctx, y, *, d: int = 32, d_values=(4, 8, 16, 32), n_per_class: int = 5,
            n_repeats: int = N_DRAWS, random_state: int = 0, beta: float = 1.0,
            gram=None) -> dict:
    """Spectrum, measures and probe errors of one context (one row of a sweep).

    ``gram`` is :func:`contexture_lab.mixing.normalized_gram` of ``ctx`` when already
    known (for a convex combination it is the weighted sum of the parents').

    A probe dimension in ``d_values`` that cuts a cluster of equal singular values gets a
    :class:`~contexture_lab.degeneracy.DegenerateSpanWarning` (its error would depend on an
    arbitrary basis of the cluster).

    Parameters
    ----------
    ctx : Context
        The context (N x M).
    y : array-like, shape (N,)
        Labels of the probe's task.
    d : int, default=32
        Number of singular pairs.
    d_values : sequence of int, default=(4, 8, 16, 32)
        Probe dimensions, each <= d.
    n_per_class : int, default=5
        Labelled points per class.
    n_repeats : int, default=N_DRAWS
        Labelled draws.
    random_state : int, default=0
        The probe's seed (old name ``seed``).
    beta : float, default=1.0
        Of :func:`contexture_lab.association.tau`.
    gram : ndarray, shape (N, N), optional
        :func:`contexture_lab.mixing.normalized_gram` of ``ctx``.

    Returns
    -------
    dict
        ``singular_values`` (d,), ``metrics`` (:data:`METRICS` and those of
        :func:`contexture_lab.association.metrics`), ``probe_error`` (len(d_values),),
        the mean of ``probe_draws`` (len(d_values), n_repeats), the per-draw errors,
        ``left`` (N, d), the exact contexture, and ``gram`` (N, N).
    """
    from .. import association

    check_context(ctx)
    G = mixing.normalized_gram(ctx) if gram is None else gram
    s, mu = mixing.dual_contexture(ctx, d, gram=G)
    row = association.metrics(s, beta=beta, d0=d)
    row.update(association.gram_measures(G, ctx.p_x))
    row["n_components"] = association.n_components(ctx)
    for k in d_values:
        if k < d and s[k - 1] - s[k] <= degeneracy.tolerance(s):
            warnings.warn(f"probe dimension {k}: " + degeneracy.describe(s, k),
                          degeneracy.DegenerateSpanWarning, stacklevel=2)
    draws = np.stack([probe_errors(mu[:, :k], y, n_per_class=n_per_class,
                                   n_repeats=n_repeats, random_state=random_state)
                      for k in d_values])
    return {"singular_values": s, "metrics": row, "probe_error": draws.mean(axis=1),
            "probe_draws": draws, "left": mu, "gram": G}


def _mixtures(first, second, operations, weights, depths, grams):
    """Yield (operation, value, context, Gram matrix or None) for one pair of parents.

    A convex combination's Gram matrix Q Q^T is the weighted sum of the parents' ``grams``
    (the dual kernels add, THEORY.md section 6), so it is not recomputed.
    """
    if "convex" in operations:
        for w in weights:
            yield ("convex", float(w), mixing.convex_combination([first, second], [w, 1 - w]),
                   w * grams[0] + (1 - w) * grams[1])
    if "convolution" in operations:
        ctx = first
        for t in range(1, int(max(depths)) + 1):
            ctx = mixing.convolve(ctx, second)
            if t in depths:
                yield "convolution", t, ctx, None
    if "concatenation" in operations:
        yield "concatenation", None, mixing.concatenate(first, second), None


@renamed_random_state("seed")
def build_sweep(parents: dict, pairs, y, *, weights=(0.25, 0.5, 0.75, 0.9),
                depths=(1, 2), operations=tuple(OPERATIONS), d: int = 32,
                d_values=(4, 8, 16, 32), n_per_class: int = 5, n_repeats: int = N_DRAWS,
                random_state: int = 0, beta: float = 1.0,
                progress: bool = True) -> MixingSweep:
    """Precompute a :class:`MixingSweep`.

    Parameters
    ----------
    parents : dict of str -> Context
        Named parent contexts over the same N inputs (same p_x for convex combinations
        and concatenations; convolution needs the first's M to equal the second's N).
    pairs : sequence of (str, str)
        Pairs to mix, by parent name (order matters for convolution).
    y : array-like, shape (N,)
        Labels of the probe's task.
    weights : sequence of float in [0, 1], default=(0.25, 0.5, 0.75, 0.9)
        Weights of the first context for the convex combinations.
    depths : sequence of int >= 1, default=(1, 2)
        Convolution depths.
    operations : sequence of str, default=tuple(OPERATIONS)
        A subset of :data:`OPERATIONS`.
    d : int, default=32
        Number of singular pairs of each context.
    d_values : sequence of int, default=(4, 8, 16, 32)
        Probe dimensions, each <= d.
    n_per_class : int, default=5
        Labelled points per class of the probe.
    n_repeats : int, default=N_DRAWS
        Label draws of the probe (the same draws for every row).
    random_state : int, default=0
        The probe's seed (old name ``seed``).
    beta : float, default=1.0
        Of :func:`contexture_lab.association.tau`.
    progress : bool, default=True
        Show a tqdm progress bar over the grid points (a sweep takes seconds).

    Returns
    -------
    MixingSweep
    """
    if not isinstance(parents, dict) or len(parents) < 2:
        raise TypeError("parents must be a dict of at least two named Context objects")
    for name, ctx in parents.items():
        check_context(ctx, f"parents[{name!r}]")
    pairs = tuple(tuple(p) for p in pairs)
    if not pairs:
        raise ValueError("pairs is empty; expected at least one (first, second) pair")
    for p in pairs:
        if len(p) != 2 or p[0] not in parents or p[1] not in parents:
            raise ValueError(f"pair {p!r} must name two parents out of {sorted(parents)}")
    operations = tuple(check_choice(op, "operation", OPERATIONS) for op in operations)
    weights = np.array([check_float(w, "weight", low=0.0, high=1.0) for w in weights])
    depths = np.array([check_int(t, "depth", low=1) for t in depths], dtype=int)
    d = check_int(d, "d", low=2)
    d_values = np.array([check_int(v, "d_values entry", low=1, high=d) for v in d_values])
    y = np.asarray(y)
    options = dict(d=d, d_values=d_values, n_per_class=n_per_class, n_repeats=n_repeats,
                   random_state=random_state, beta=beta)
    per_pair = (weights.size * ("convex" in operations)
                + depths.size * ("convolution" in operations) + ("concatenation" in operations))
    bar = task("mixing sweep", len(parents) + len(pairs) * per_pair, show=progress)
    keys, rows, sizes, grams = [], [], [], {}
    for name, ctx in parents.items():
        keys.append(("parent", name, None))
        rows.append(analyse(ctx, y, **options))
        grams[name] = rows[-1].pop("gram")
        sizes.append(ctx.n_contexts)
        bar.update()
    for first, second in pairs:
        for op, value, ctx, K in _mixtures(parents[first], parents[second], operations,
                                           weights, depths, (grams[first], grams[second])):
            keys.append((pair_name(first, second), op, value))
            rows.append(analyse(ctx, y, gram=K, **options))
            del rows[-1]["gram"]
            sizes.append(ctx.n_contexts)
            bar.update()
    bar.close()
    return MixingSweep(
        parents=tuple(parents), pairs=pairs, weights=weights, depths=depths,
        operations=operations, keys=tuple(keys),
        singular_values=np.stack([r["singular_values"] for r in rows]),
        metrics={m: np.array([r["metrics"][m] for r in rows], dtype=float)
                 for m in rows[0]["metrics"]},
        d_values=d_values, probe_error=np.stack([r["probe_error"] for r in rows]),
        n_contexts=np.array(sizes), probe_draws=np.stack([r["probe_draws"] for r in rows]))


def digits_parents(ks=DIGITS_KS, *, n=DIGITS_N, random_state: int = 0):
    """KNN parents on digits, named ``"KNN-k"``.

    Parameters
    ----------
    ks : sequence of int, default=DIGITS_KS
        The k of each parent.
    n : int, default=DIGITS_N
        Number of digits (a seeded subset).
    random_state : int, default=0
        Seed of the subset.

    Returns
    -------
    parents : dict of str -> Context
    y : ndarray, shape (n,)
        The digits' labels.
    """
    from ..contexts import knob_contexts
    from ..datasets import load_digits

    digits = load_digits(n, random_state=random_state)
    parents = {f"KNN-{k}": ctx for k, ctx in knob_contexts("knn", ks, X=digits.X)}
    return parents, digits.y


#: The digits sweep shipped with the package (``data/mixing-<digest>.npz``, written by
#: ``tools/ship_sweeps.py``), so that notebook 06 and the mixing explorer open at once
#: instead of computing it (about 15 s on two cores).
SHIPPED_DIR = Path(__file__).resolve().parents[1] / "data"

#: Where :func:`digits_mixing_sweep` also writes the sweep it computes, as a shipped sweep
#: (set by ``tools/ship_sweeps.py``; None: nowhere).
SHIP_TO = None

#: Version of the shipped file's layout (part of its name). mixing-2: the per-draw probe
#: errors (``probe_draws``, :data:`N_DRAWS` label draws) are stored too.
SHIP_VERSION = "mixing-2"


def _shipped_name(ks, pairs, n, kwargs) -> str:
    """The shipped file of these inputs (the tests compare it with a recomputation)."""
    key = cache_key(SHIP_VERSION, tuple(ks), tuple(tuple(p) for p in pairs), n,
                    sorted(kwargs.items()))
    return f"mixing-{key}.npz"


def _save_sweep(sweep: MixingSweep, path: Path) -> None:
    """Write ``sweep`` (its names as JSON, its numbers as arrays) atomically."""
    names = {"parents": list(sweep.parents), "pairs": [list(p) for p in sweep.pairs],
             "operations": list(sweep.operations), "keys": [list(k) for k in sweep.keys],
             "metrics": list(sweep.metrics)}
    arrays = {"names": np.array(json.dumps(names)), "weights": sweep.weights,
              "depths": sweep.depths, "singular_values": sweep.singular_values,
              "d_values": sweep.d_values, "probe_error": sweep.probe_error,
              "n_contexts": sweep.n_contexts, "probe_draws": sweep.probe_draws,
              **{f"metric_{k}": v for k, v in sweep.metrics.items()}}
    save_arrays(path, arrays)


def _load_sweep(path: Path) -> MixingSweep | None:
    """The sweep stored at ``path`` (None when it is missing or damaged)."""
    arrays = load_arrays(path, required=("names", "weights", "depths", "singular_values",
                                         "d_values", "probe_error", "n_contexts",
                                         "probe_draws"))
    if arrays is None:
        return None
    names = json.loads(str(arrays["names"]))
    return MixingSweep(
        parents=tuple(names["parents"]), pairs=tuple(tuple(p) for p in names["pairs"]),
        weights=arrays["weights"], depths=arrays["depths"],
        operations=tuple(names["operations"]),
        keys=tuple((k[0], k[1], k[2]) for k in names["keys"]),
        singular_values=arrays["singular_values"],
        metrics={m: arrays[f"metric_{m}"] for m in names["metrics"]},
        d_values=arrays["d_values"], probe_error=arrays["probe_error"],
        n_contexts=arrays["n_contexts"], probe_draws=arrays["probe_draws"])


def digits_mixing_sweep(ks=DIGITS_KS, pairs=DIGITS_PAIRS, *, n=DIGITS_N,
                        **kwargs) -> MixingSweep:
    """The mixing sweep of notebook 06 on ``n`` digits (default :data:`DIGITS_N`).

    With the shipped inputs it is read from the package (``data/``) instead of computed,
    except under the scramble switch (``CONTEXTURE_LAB_SCRAMBLE``), which recomputes every
    sweep; its progress bar shows either way (the notebook's stored output is the same).

    Parameters
    ----------
    ks : sequence of int, default=DIGITS_KS
        The k of the KNN parents.
    pairs : sequence of (str, str), default=DIGITS_PAIRS
        The pairs of parents to mix.
    n : int, default=DIGITS_N
        Number of digits.
    **kwargs : dict
        Arguments of :func:`build_sweep` (weights, depths, operations, d, d_values, ...).

    Returns
    -------
    MixingSweep
    """
    options = {k: v for k, v in kwargs.items() if k != "progress"}
    name = _shipped_name(ks, pairs, n, options)
    path = SHIPPED_DIR / name
    if SHIP_TO is None and degeneracy.scramble_seed() is None and path.exists():
        sweep = _load_sweep(path)
        if sweep is not None:
            with task("mixing sweep", len(sweep.keys),
                      show=kwargs.get("progress", True)) as bar:
                bar.update(len(sweep.keys))
            return sweep
    parents, y = digits_parents(ks, n=n)
    sweep = build_sweep(parents, pairs, y, **kwargs)
    if SHIP_TO is not None:
        _save_sweep(sweep, Path(SHIP_TO) / name)
    return sweep


__all__ = ["DIGITS_KS", "DIGITS_N", "DIGITS_PAIRS", "METRICS", "N_DRAWS", "OPERATIONS",
           "MixingSweep", "analyse", "build_sweep", "digits_mixing_sweep", "digits_parents",
           "pair_name"]
