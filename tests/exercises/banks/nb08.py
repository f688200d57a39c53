"""Notebook 08's exercises: the common mistakes each must reject (WRONG)."""

import numpy as np


def cls_only(C):                      # forgets the [SEP] sink
    return float(np.asarray(C)[:, 0].mean())


def summed_not_averaged(C):           # total attention on the sinks, not the mean per query
    return float(np.asarray(C)[:, [0, -1]].sum())


def rows_not_columns(C):              # what the first and last query attend to
    return float(np.asarray(C)[[0, -1], :].sum(axis=0).mean())


def per_query(C):                     # one number per query, not their mean
    return np.asarray(C)[:, [0, -1]].sum(axis=1)


def _head_values(C):
    """All singular values of the head as a context (s_0 = 1 first), zero-padded to T."""
    C = np.asarray(C, dtype=float)
    t = C.shape[0]
    p_a = C.sum(axis=0) / t
    keep = p_a > 0
    s = np.linalg.svd(C[:, keep] / t * np.sqrt(t) / np.sqrt(p_a[keep]), compute_uv=False)
    out = np.zeros(t)
    out[:s.size] = s
    return out


def with_s0(C):                       # keeps s_0 = 1 and drops the last value
    return _head_values(C)[:-1]


def all_t_values(C):                  # s_0..s_{T-1}: one too many
    return _head_values(C)


def raw_matrix_values(C):             # singular values of C itself: no p_a weighting
    return np.linalg.svd(np.asarray(C, dtype=float), compute_uv=False)[1:]


def eigenvalue_moduli(C):             # |eigenvalues| of C instead of its singular values
    return np.sort(np.abs(np.linalg.eigvals(np.asarray(C, dtype=float))))[::-1][1:]


WRONG = [
    ("08.sink_mass", cls_only, "count the last token"),
    ("08.sink_mass", summed_not_averaged, "you gave"),
    ("08.sink_mass", rows_not_columns, "you gave"),
    ("08.sink_mass", per_query, "one number"),
    ("08.head_spectrum", with_s0, "off by"),
    ("08.head_spectrum", all_t_values, "shape"),
    ("08.head_spectrum", raw_matrix_values, "off by"),
    ("08.head_spectrum", eigenvalue_moduli, "off by"),
]
