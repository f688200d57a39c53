"""Loss values on small hand-computable batches, checked against independent numpy loops."""

import numpy as np
import pytest
import torch
from bad_input_checks import bad_input_tests

import contexture_lab as cl
from contexture_lab import objectives as obj


def t(a):
    return torch.tensor(np.asarray(a, dtype=float))


def cov_np(z, unbiased=True):
    zc = z - z.mean(axis=0)
    return zc.T @ zc / (len(z) - 1 if unbiased else len(z))


def penalty_np(z, var_w, cov_w, eps=1e-4):
    c = np.cov(z, rowvar=False)  # numpy's own unbiased covariance
    std = np.sqrt(np.diag(c) + eps)
    off = c - np.diag(np.diag(c))
    return var_w * np.maximum(0.0, 1 - std).mean() + cov_w * (off ** 2).sum() / z.shape[1]


RNG = np.random.default_rng(0)
Z = RNG.normal(size=(6, 3))
ZP = RNG.normal(size=(6, 3))


def test_spectral_contrastive_by_hand():
    # two pairs in 1-D: z = (1, -1), z+ = (1, -1) (already centred):
    # -mean(1, 1) + 1/2 * ((1 * -1)^2 + (-1 * 1)^2) / 2 = -1 + 1/2 = -0.5
    assert obj.spectral_contrastive(t([[1.0], [-1.0]]), t([[1.0], [-1.0]])).item() == \
        pytest.approx(-0.5)


def test_spectral_contrastive_against_double_loop():
    z, zp = Z - Z.mean(0), ZP - ZP.mean(0)
    b = len(z)
    pos = -np.mean([z[i] @ zp[i] for i in range(b)])
    neg = np.mean([(z[i] @ zp[j]) ** 2 for i in range(b) for j in range(b) if i != j]) / 2
    assert obj.spectral_contrastive(t(Z), t(ZP)).item() == pytest.approx(pos + neg, rel=1e-12)


def test_variance_covariance_penalty():
    # identity covariance: no penalty
    z = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]]) * np.sqrt(3 / 4)
    v, c = obj.variance_covariance_penalty(t(z), eps=0.0)
    assert v.item() == pytest.approx(0.0, abs=1e-12) and c.item() == pytest.approx(0.0)
    # a collapsed coordinate pays the full hinge: mean(relu(1 - 0), relu(1 - 1)) = 0.5
    v, _ = obj.variance_covariance_penalty(t(z * [0.0, 1.0]), eps=0.0)
    assert v.item() == pytest.approx(0.5)
    v, c = obj.variance_covariance_penalty(t(Z))
    assert v.item() + c.item() == pytest.approx(penalty_np(Z, 1, 1), rel=1e-10)


def test_non_contrastive_svme_laplacian_against_numpy():
    zc, zpc = Z - Z.mean(0), ZP - ZP.mean(0)
    dist_c = np.mean(np.sum((zc - zpc) ** 2, axis=1))
    dist = np.mean(np.sum((Z - ZP) ** 2, axis=1))
    got = obj.non_contrastive(t(Z), t(ZP), var_weight=2.0, cov_weight=0.5).item()
    assert got == pytest.approx(dist_c + penalty_np(Z, 2, .5) + penalty_np(ZP, 2, .5))
    # SVME: the anti-collapse terms act on Phi (the source's placement) unless asked for Psi
    got = obj.svme(t(Z), t(ZP), var_weight=2.0, cov_weight=0.5).item()
    assert got == pytest.approx(dist_c + penalty_np(Z, 2, .5))
    got = obj.svme(t(Z), t(ZP), anti_collapse="psi", var_weight=2.0, cov_weight=0.5).item()
    assert got == pytest.approx(dist_c + penalty_np(ZP, 2, .5))
    got = obj.laplacian(t(Z), t(ZP), var_weight=2.0, cov_weight=0.5).item()
    assert got == pytest.approx(dist + penalty_np(Z, 2, .5))


def test_kise_against_numpy_and_minimiser():
    K = RNG.uniform(size=(6, 6))
    K = K + K.T
    w = RNG.uniform(0.5, 1.5, size=6)
    w /= w.sum()
    mean = w @ Z
    zc = Z - mean
    norm = sum(w[i] * zc[i] @ zc[i] for i in range(6))
    quad = sum(w[i] * w[j] * K[i, j] * (zc[i] @ zc[j]) for i in range(6) for j in range(6))
    got = obj.kise(t(Z), t(K), t(w), var_weight=0.0, cov_weight=0.0).item()
    assert got == pytest.approx(norm - quad, rel=1e-10)
    # with the whole input set, weights p_x and the dual kernel, the contexture (Cov = I,
    # no penalty) gives sum_j (1 - s_j^2), and a rotation of other functions does worse
    ctx = cl.contexts.cycle(10, 0.4)
    res = cl.contexture(ctx, 2)
    gram, px = t(ctx.dual_kernel()), t(ctx.p_x)
    best = obj.kise(t(res.left), gram, px).item()
    assert best == pytest.approx(np.sum(1 - res.singular_values ** 2), abs=1e-9)
    other = cl.contexture(ctx, 4).left[:, 2:]
    assert obj.kise(t(other), gram, px).item() > best + 0.1


# {0,1}^4 with bit flips 0.1: s = 0.8 four times, then 0.64: a clear gap after d = 4
CUBE = cl.contexts.hypercube(4, 0.1)


def _svme(anti_collapse):
    enc = cl.fit_encoder(CUBE, "svme", 4, epochs=300, anti_collapse=anti_collapse,
                         device="cpu", progress=False, hidden=(32,))
    phi, psi = enc.transform(CUBE.x_features), enc.transform_context(CUBE.a_features)
    return phi - CUBE.p_x @ phi, psi - CUBE.p_a @ psi


def test_svme_both_placements_learn_the_same_span():
    top = cl.contexture(CUBE, 4)
    assert top.unique and top.gap == pytest.approx(0.8 - 0.64)
    s2 = top.singular_values ** 2                     # 0.64 each
    def rel(F, G, p):
        return np.sqrt(p @ np.sum((F - G) ** 2, axis=1) / (p @ np.sum(F ** 2, axis=1)))

    def variance(F, p):                               # mean coordinate variance under p
        return np.mean(p @ F ** 2)
    # default, the source's placement: Cov(Phi) = I, Psi = T* Phi = (s_i nu_i)
    phi, psi = _svme("phi")
    assert cl.alignment.cca_r2(phi, top.left) > 0.95
    assert variance(phi, CUBE.p_x) == pytest.approx(1.0, abs=0.1)
    assert variance(psi, CUBE.p_a) == pytest.approx(s2.mean(), abs=0.1)
    assert rel(psi, CUBE.expect_adjoint(phi), CUBE.p_a) < 0.2
    # variant: Cov(Psi) = I, Phi = T Psi = (s_i mu_i); same span of Phi
    phi_v, psi_v = _svme("psi")
    assert cl.alignment.cca_r2(phi_v, top.left) > 0.95
    assert variance(psi_v, CUBE.p_a) == pytest.approx(1.0, abs=0.1)
    assert variance(phi_v, CUBE.p_x) == pytest.approx(s2.mean(), abs=0.1)
    assert rel(phi_v, CUBE.expect(psi_v), CUBE.p_x) < 0.2
    assert cl.alignment.cca_r2(phi, phi_v) > 0.9


def test_supervised_one_hot_and_soft_targets():
    out = np.array([[0.5, 0.2, 0.1], [0.0, 1.0, -1.0]])
    labels = np.array([0, 2])
    scale = np.array([1.0, 2.0, 0.5])
    onehot = np.eye(3)[labels] * scale[labels][:, None]
    expected = np.mean(np.sum((out - onehot) ** 2, axis=1))
    got = obj.supervised(t(out), torch.tensor(labels), t(scale)).item()
    assert got == pytest.approx(expected)
    # probability targets = the expectation of the one-hot loss over the classes
    q = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    exp = np.mean([sum(q[i, a] * np.sum((out[i] - np.eye(3)[a] * scale[a]) ** 2)
                       for a in range(3)) for i in range(2)])
    assert obj.supervised(t(out), t(q), t(scale)).item() == pytest.approx(exp)
    assert obj.supervised(t(out), torch.tensor(labels)).item() == pytest.approx(
        np.mean(np.sum((out - np.eye(3)[labels]) ** 2, axis=1)))


def test_dae():
    assert obj.dae(t([[1.0, 2.0], [0.0, 0.0]]), t([[0.0, 0.0], [3.0, 4.0]])).item() == 15.0


@pytest.mark.parametrize("call, match", [
    (lambda: obj.spectral_contrastive(t(Z), t(ZP[:, :2])), "same"),
    (lambda: obj.spectral_contrastive(Z, ZP), "torch.Tensor"),
    (lambda: obj.non_contrastive(t(Z[0]), t(ZP[0])), "2-D"),
    (lambda: obj.svme(t(Z[:1]), t(ZP[:1])), "at least 2"),
    (lambda: obj.svme(t(Z), t(ZP), anti_collapse="both"), "anti_collapse must be one of"),
    (lambda: cl.fit_encoder(CUBE, "svme", 2, anti_collapse="A", progress=False),
     "anti_collapse must be one of"),
    (lambda: cl.fit_encoder(CUBE, "kise", 2, anti_collapse="psi", progress=False),
     "has one placement only"),
    (lambda: obj.kise(t(Z), t(np.eye(5))), r"\(6, 6\)"),
    (lambda: obj.supervised(t(Z), torch.tensor([0, 1, 2, 3, 4, 5])), r"\[0, 2\]"),
    (lambda: obj.supervised(t(Z), t(np.ones((6, 2)))), "shape"),
])
def test_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# ---------------------------------------------------------------------- bad input (tables)
BAD_INPUT = [
    ("variance_covariance_penalty one row",
     lambda: obj.variance_covariance_penalty(torch.randn(1, 3)), ValueError,
     "at least 2 row"),
    ("kise one row", lambda: obj.kise(torch.randn(1, 3), torch.ones(1, 1)), ValueError,
     "at least 2 row"),
    ("kise int embedding", lambda: obj.kise(torch.ones(3, 2, dtype=torch.long),
                                            torch.eye(3)), TypeError, "floating-point"),
    ("svme int embedding", lambda: obj.svme(torch.ones(4, 2, dtype=torch.long),
                                            torch.ones(4, 2)), TypeError,
     "floating-point"),
    ("kise negative weights", lambda: obj.kise(torch.randn(3, 2), torch.eye(3),
                                               torch.tensor([1.0, -1.0, 1.0])),
     ValueError, "weights must be finite, >= 0"),
    ("supervised bool targets", lambda: obj.supervised(
        torch.randn(3, 2), torch.tensor([True, False, True])), TypeError, "targets has dtype"),
    ("centre given numpy", lambda: obj.centre(np.zeros((4, 2))), TypeError,
     "z must be a torch.Tensor, got ndarray"),
    ("kise zero columns", lambda: obj.kise(torch.zeros(4, 0), torch.eye(4)), ValueError,
     r"z has shape \(4, 0\); expected at least 2 row\(s\) and one column"),
    ("supervised class_scale length", lambda: obj.supervised(
        torch.zeros(5, 3), torch.tensor([0, 1, 2, 0, 1]), class_scale=torch.ones(2)),
     ValueError, r"class_scale has shape \(2,\); expected \(3,\)"),
]


test_bad_input_gets_a_clear_error, _ = bad_input_tests(BAD_INPUT, None)


def test_dtype_mismatches_are_handled():
    z = torch.randn(5, 3)
    g64 = torch.eye(5, dtype=torch.float64)
    assert torch.isfinite(obj.kise(z, g64))
    assert obj.kise(z, g64) == pytest.approx(float(obj.kise(z, g64.float())))
    out = torch.randn(4, 3)
    int32 = torch.tensor([0, 1, 2, 1], dtype=torch.int32)
    assert obj.supervised(out, int32) == pytest.approx(
        float(obj.supervised(out, int32.long())))
