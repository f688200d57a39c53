"""Mutation check: does the test suite catch deliberate bugs in the core modules?

Each mutant is one small hand-written edit of the kind the issue lists (a swapped
transpose, a dropped or swapped marginal, an off-by-one in d or k, float32 where float64 is
promised, a wrong constant). The script copies the package and the tests to a temporary
directory, applies one mutant there (the worktree is never touched), runs the tests that
cover that module in the copy, and counts the mutant as *killed* when the tests
fail. Results go to stdout as a Markdown table (paste into benchmarks/MUTATION.md).

    python benchmarks/mutation_check.py               # every mutant
    python benchmarks/mutation_check.py S1 A2         # some of them, by id

Runs each selection with ``pytest -x`` (stop at the first failure), so a killed mutant is
cheap and a surviving one costs one pass over its test files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The tests run against each module's mutants: the module's own test files, without the
#: few large-matrix tests (thousands of points) that dominate their run time, plus the
#: exercise checkers that read the module. On a busy 2-core machine each selection takes
#: about a minute.
_SLOW = ("not large_knn and not shattered and not mixed_precision and not sparse_path and "
         "not tall_and_wide and not torch_path")
TESTS = {
    "context.py": ["tests/unit/test_context.py", "tests/unit/test_contexts.py", "-k", _SLOW],
    "contexts.py": ["tests/unit/test_contexts.py", "tests/exercises/test_banks.py"],
    "spectrum.py": ["tests/unit/test_spectrum.py", "tests/unit/test_contexts.py",
                    "tests/unit/test_device.py", "-k", _SLOW],
    "mixing.py": ["tests/unit/test_mixing.py", "-k", "not shared and not concatenated_encoders"],
    "alignment.py": ["tests/unit/test_alignment.py"],
    "association.py": ["tests/unit/test_association.py"],
    "attention.py": ["tests/unit/test_attention.py"],
}

#: id, module, what the bug is, original text, mutated text (the original must occur once)
MUTANTS = [
    ("C1", "context.py", "Q divides by p_x where p_a belongs (swapped marginal)",
     "ra = np.sqrt(_inverse(self._p_a))", "ra = np.sqrt(_inverse(self._p_x))"),
    ("C2", "context.py", "T g uses P^T (swapped transpose)",
     "        out = self._P @ g\n", "        out = self._P.T @ g\n"),
    ("C3", "context.py", "T* f divides by p_x instead of p_a",
     "inv = _inverse(self._p_a)\n        return out",
     "inv = _inverse(self._p_x)\n        return out"),
    ("C4", "context.py", "dual kernel with the marginals swapped",
     'return self._kernel(self._P, self._p_x, self._p_a, "inputs")',
     'return self._kernel(self._P, self._p_a, self._p_x, "inputs")'),
    ("K1", "contexts.py", "KNN keeps the point itself (off-by-one in k)",
     "return np.where(self_first, idx[:, 1:k + 1], idx[:, :k])",
     "return np.where(self_first, idx[:, 0:k], idx[:, :k])"),
    ("K2", "contexts.py", "cycle steps +1 twice instead of +1 and -1",
     "cols = np.concatenate([i, (i + 1) % n, (i - 1) % n])",
     "cols = np.concatenate([i, (i + 1) % n, (i + 1) % n])"),
    ("K3", "contexts.py", "hypercube flips with probability flip / 2 (wrong flip)",
     "one_bit = np.array([[1 - flip, flip], [flip, 1 - flip]]) / 2",
     "one_bit = np.array([[1 - flip / 2, flip / 2], [flip / 2, 1 - flip / 2]]) / 2"),
    ("K4", "contexts.py", "RBF bandwidth not squared",
     "logits = -dist2 / (2 * bandwidth ** 2)", "logits = -dist2 / (2 * bandwidth)"),
    ("S1", "spectrum.py", "left functions without the 1/sqrt(p_x) (dropped marginal)",
     "left, right = _sign_fix(U / u0[:, None], V * inv_root[:, None])",
     "left, right = _sign_fix(U, V * inv_root[:, None])"),
    ("S2", "spectrum.py", "right functions multiplied by sqrt(p_a) instead of divided",
     "inv_root[v0 > 0] = 1.0 / v0[v0 > 0]", "inv_root[v0 > 0] = v0[v0 > 0]"),
    ("S3", "spectrum.py", "off-by-one in d: s_2..s_(d+1) returned",
     "s, U, V = s[:d], U[:, :d], V[:, :d]", "s, U, V = s[1:d + 1], U[:, 1:d + 1], V[:, 1:d + 1]"),
    ("S4", "spectrum.py", "torch path in float32 where float64 is promised",
     "dtype=torch.float64, device=dev)", "dtype=torch.float32, device=dev)"),
    ("S5", "spectrum.py", "gap / uniqueness read s_d for s_(d+1) (off-by-one)",
     "        s_next = float(s[d])\n", "        s_next = float(s[d - 1])\n"),
    ("S6", "spectrum.py", "sign convention dropped (largest value of mu_i not positive)",
     "    signs[signs == 0] = 1.0\n    return U * signs, V * signs",
     "    signs[signs == 0] = 1.0\n    return U, V"),
    ("M1", "mixing.py", "convex combination ignores its weights",
     "blocks = [wi * ctx.P for wi, ctx in zip(w, contexts)]",
     "blocks = [ctx.P / len(contexts) for wi, ctx in zip(w, contexts)]"),
    ("M2", "mixing.py", "concatenation counts p(x) twice (no division)",
     "values = p_x[row] * C1.data[e1] * C2.data[e2]",
     "values = p_x[row] ** 2 * C1.data[e1] * C2.data[e2]"),
    ("M3", "mixing.py", "dual_contexture: sign convention on u_i instead of mu_i",
     "    w, mu = w[:d], U[:, :d] / root[:, None]\n    rows = np.argmax(np.abs(mu), axis=0)",
     "    w, mu = w[:d], U[:, :d] / root[:, None]\n    rows = np.argmax(np.abs(U[:, :d]), axis=0)"),
    ("A1", "alignment.py", "cca_r2 averages over max(p, q) instead of min(p, q)",
     "return float(np.sum(rho ** 2) / min(F.shape[1], G.shape[1]))",
     "return float(np.sum(rho ** 2) / max(F.shape[1], G.shape[1]))"),
    ("A2", "alignment.py", "linear CKA numerator not squared",
     "cross = np.linalg.norm(Y.T @ X) ** 2", "cross = np.linalg.norm(Y.T @ X)"),
    ("A3", "alignment.py", "compatibility weighs T* f by p_x's size-N mean instead of p_a",
     "rho = np.sqrt(np.clip((ctx.p_a @ adj ** 2) / norm2, 0.0, 1.0))",
     "rho = np.sqrt(np.clip(np.mean(adj ** 2, axis=0) / norm2, 0.0, 1.0))"),
    ("A4", "alignment.py", "L2(P_X) basis centred with the uniform mean (dropped marginal)",
     "    Phic = Phi - ctx.p_x @ Phi\n", "    Phic = Phi - Phi.mean(axis=0)\n"),
    ("As1", "association.py", "decay rate indexed from i = 0 (off-by-one)",
     "i = np.arange(1, s.size + 1, dtype=float)\n    keep",
     "i = np.arange(0, s.size, dtype=float)\n    keep"),
    ("As2", "association.py", "tau_d uses s_d instead of s_(d+1)",
     "nxt = s2[1:D + 1]", "nxt = s2[0:D]"),
    ("As3", "association.py", "effective dimension without the square",
     "return 0.0 if total4 == 0 else float(np.sum(s2) ** 2 / total4)",
     "return 0.0 if total4 == 0 else float(np.sum(s2) / total4)"),
    ("As4", "association.py", "n_components forgets s_0's component (off-by-one)",
     "return int(support_components(ctx)[0].max()) + 1",
     "return int(support_components(ctx)[0].max())"),
    ("T1", "attention.py", "scores without the 1 / sqrt(dim)",
     "scores = (q @ k.T) / (temperature * math.sqrt(q.shape[1]))",
     "scores = (q @ k.T) / temperature"),
    ("T2", "attention.py", "softmax over the queries (columns) instead of the keys",
     "return torch.softmax(scores, dim=1)", "return torch.softmax(scores, dim=0)"),
    ("T3", "attention.py", "stationary distribution from C instead of C^T (transpose)",
     "A = np.vstack([C.T - np.eye(n), np.ones((1, n))])",
     "A = np.vstack([C - np.eye(n), np.ones((1, n))])"),
]


def run(mutant, env):
    ident, module, what, old, new = mutant
    with tempfile.TemporaryDirectory() as tmp:
        # package and tests both copied: ``python -m pytest`` puts its working directory
        # first on sys.path, so it must run in the copy, not in the worktree
        for part in ("contexture_lab", "tests"):
            shutil.copytree(ROOT / part, Path(tmp) / part,
                            ignore=shutil.ignore_patterns("__pycache__"))
        path = Path(tmp) / "contexture_lab" / module
        text = path.read_text()
        if old is not None:                         # None: the unmutated baseline
            if text.count(old) != 1:
                return "not applied", 0.0
            path.write_text(text.replace(old, new))
        start = time.time()
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
             *TESTS[module]], cwd=tmp, env={**env, "PYTHONPATH": tmp},
            capture_output=True, text=True)
        return ("killed" if proc.returncode != 0 else "survived"), time.time() - start


def main(argv):
    chosen = [m for m in MUTANTS if not argv or m[0] in argv]
    env = {**os.environ, "CONTEXTURE_LAB_DEVICE": os.environ.get("CONTEXTURE_LAB_DEVICE", "cpu"),
           "MPLBACKEND": "Agg"}
    env.pop("CONTEXTURE_LAB_SCRAMBLE", None)
    # baseline: every selection passes on the unmutated code, so a failure is the mutant's
    for module in sorted({m[1] for m in chosen}):
        outcome, _ = run(("-", module, "baseline", None, None), env)
        if outcome != "survived":
            raise SystemExit(f"the tests for {module} fail without any mutant; fix them first")
    print("| id | module | mutant | result | seconds |\n|---|---|---|---|---|", flush=True)
    results = []
    for mutant in chosen:
        outcome, seconds = run(mutant, env)
        results.append(outcome)
        print(f"| {mutant[0]} | {mutant[1]} | {mutant[2]} | {outcome} | {seconds:.0f} |",
              flush=True)
    killed = results.count("killed")
    applied = len(results) - results.count("not applied")
    print(f"\nkilled {killed} of {applied} mutants ({100 * killed / max(applied, 1):.0f}%)")
    return 0 if killed == applied else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
