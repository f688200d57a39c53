"""Exercises of notebook 12 (the paper on real data: the DNA encoding, distance correlation)."""

import numpy as np

from . import as_array, as_number, call, compare_arrays, compare_numbers, register

#: The StatLog DNA code of a base (three 0/1 columns), as contexture_lab.datasets.tabular reads dna.
_CODES = {"A": (1, 0, 0), "C": (0, 1, 0), "G": (0, 0, 1), "T": (0, 0, 0), "N": (0, 0, 1)}


# ---------------------------------------------------------------------- 12.dna_encoding
def _check_dna_encoding(func):
    rng = np.random.default_rng(1201)
    for length in (5, 12):
        seq = "".join(rng.choice(list("ACGTN"), size=length))
        seq = "ACGTN" + seq                       # every letter at least once
        expected = np.array([b for c in seq for b in _CODES[c]], dtype=float)
        got = as_array(call(func, seq), what=f"the code of {seq!r}")
        if got.shape == (4 * len(seq),):
            return False, ("that has 4 columns per base (one-hot over A, C, G, T); the StatLog "
                           "code has 3: T is the base with all three columns 0")
        if got.shape == (len(seq), 3):
            return False, ("the right numbers in a (length, 3) table; the features are one "
                           "flat row of 3 x length numbers, base after base")
        if got.shape == expected.shape and not np.allclose(got, expected):
            at_n = [3 * i + k for i, c in enumerate(seq) if c == "N" for k in range(3)]
            if np.allclose(np.delete(got, at_n), np.delete(expected, at_n)):
                return False, ("A, C, G and T are right; N (an unknown base) is coded like G "
                               "in the StatLog set: 001")
        passed, message = compare_arrays(got, expected, atol=0, what=f"the code of {seq!r}")
        if not passed:
            return False, message
    return True, "A = 100, C = 010, G = 001, T = 000, N = 001, base after base"


def _dna_encoding_solution(seq):
    codes = {"A": (1, 0, 0), "C": (0, 1, 0), "G": (0, 0, 1), "T": (0, 0, 0), "N": (0, 0, 1)}
    return np.array([bit for base in seq for bit in codes[base]], dtype=float)


register(
    "12.dna_encoding",
    prompt="write encode(seq): the StatLog features of a DNA string over A, C, G, T, N, "
           "three 0/1 numbers per base (A = 100, C = 010, G = 001, T = 000, N = 001), one "
           "flat array of length 3 * len(seq)",
    nudge="look the three numbers of each letter up in a dict and join them in order",
    hint="build a dict from letter to a tuple of three numbers, then loop over the letters "
         "of seq and extend one list with each tuple; return it as a float array",
    checker=_check_dna_encoding,
    solution=_dna_encoding_solution,
    starter='''\
def encode(seq):
    return cl.exercises.TODO   # your code here

cl.exercises.check("12.dna_encoding", encode)
''',
)


# ---------------------------------------------------------------------- 12.distance_correlation
def _dcor(u, v):
    a = np.abs(u[:, None] - u[None, :])
    b = np.abs(v[:, None] - v[None, :])
    A = a - a.mean(0) - a.mean(1)[:, None] + a.mean()
    B = b - b.mean(0) - b.mean(1)[:, None] + b.mean()
    return float(np.sqrt((A * B).mean() / np.sqrt((A * A).mean() * (B * B).mean())))


def _check_distance_correlation(func):
    rng = np.random.default_rng(1202)
    x = np.linspace(-1, 1, 15)
    cases = [(x, x ** 2), (rng.normal(size=20), rng.normal(size=20))]
    u = rng.normal(size=25)
    cases.append((u, np.sin(3 * u) + 0.1 * rng.normal(size=25)))
    for u, v in cases:
        expected = _dcor(u, v)
        got = as_number(call(func, u, v), what="the distance correlation")
        if abs(got - abs(np.corrcoef(u, v)[0, 1])) < 1e-9 and abs(got - expected) > 1e-6:
            return False, ("that is |Pearson's r|; the distance correlation compares the "
                           "pairwise distances |u_i - u_j| and |v_i - v_j|, double-centred")
        if abs(got - expected ** 2) < 1e-9 and abs(got - expected) > 1e-6:
            return False, ("that is dCor squared: take the square root of dCov^2(u, v) / "
                           "sqrt(dVar^2(u) dVar^2(v))")
        passed, message = compare_numbers(got, expected, atol=1e-9,
                                          what=f"dCor on a sample of {u.size} pairs")
        if not passed:
            return False, message
    return True, "the distance correlation matches on three samples (u^2 included: r = 0 there)"


def _distance_correlation_solution(u, v):
    return _dcor(np.asarray(u, dtype=float), np.asarray(v, dtype=float))


register(
    "12.distance_correlation",
    prompt="write dcor(u, v) for two 1-D samples: a_ij = |u_i - u_j|, b_ij = |v_i - v_j|, "
           "double-centre each matrix (subtract row means and column means, add the grand "
           "mean) to A and B, and return sqrt(mean(A B) / sqrt(mean(A A) mean(B B)))",
    nudge="numpy broadcasting gives the matrix of all |u_i - u_j| in one line: "
          "u[:, None] - u[None, :]",
    hint="form a and b by broadcasting; double-centring means that every row and every "
         "column of A averages to zero (subtract each row's mean and each column's mean, "
         "then add back the overall mean); the three means of the elementwise products "
         "A B, A A and B B are dCov^2(u, v), dVar^2(u) and dVar^2(v)",
    checker=_check_distance_correlation,
    solution=_distance_correlation_solution,
    starter='''\
def dcor(u, v):
    return cl.exercises.TODO   # your code here

cl.exercises.check("12.distance_correlation", dcor)
''',
)
