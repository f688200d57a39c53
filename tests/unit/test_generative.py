"""The PMI that likelihood objectives factorise: closed forms, a context the softmax fits
exactly, the entropies, and a trained likelihood encoder."""

import numpy as np
import pytest
import scipy.stats
import torch

import contexture_lab as cl
from contexture_lab import generative as gen
from contexture_lab import objectives as obj

# a 3-dimensional log-bilinear context, N = 12 inputs, M = 9 context values, non-uniform
_x, _a = np.linspace(-1, 1, 12), np.linspace(-1, 1, 9)
F3 = np.stack([_x, _x ** 2, np.sin(np.pi * _x)], axis=1)
G3 = np.stack([np.cos(np.pi * _a), _a, np.cos(2 * np.pi * _a)], axis=1)
PX = np.exp(_x) / np.exp(_x).sum()
QA = (2 + np.sin(3 * _a)) / (2 + np.sin(3 * _a)).sum()


def loglin(beta=1.0):
    return cl.contexts.log_bilinear(beta * F3, G3, p_x=PX, q_a=QA, x_features=_x[:, None])


def test_log_bilinear_matches_its_definition_entry_by_entry():
    ctx = loglin(2.0)
    for i in (0, 5, 11):
        w = QA * np.exp(2.0 * G3 @ F3[i])                       # one row by hand
        np.testing.assert_allclose(ctx.P[i], PX[i] * w / w.sum(), rtol=1e-12)
    np.testing.assert_allclose(ctx.p_x, PX, rtol=1e-12)


def test_pmi_by_definition_and_positive_pmi_on_a_sparse_context():
    P = np.array([[0.1, 0.2, 0.0], [0.3, 0.1, 0.3]])
    ctx = cl.Context(P)
    px, pa = P.sum(1), P.sum(0)
    expected = np.array([[np.log(P[i, j] / (px[i] * pa[j])) if P[i, j] > 0 else 0.0
                          for j in range(3)] for i in range(2)])
    np.testing.assert_allclose(gen.pmi(ctx, positive=True), np.maximum(expected, 0.0))
    with pytest.raises(ValueError, match="1 zero entr.*positive=True"):
        gen.pmi(ctx)
    full = cl.Context(np.array([[0.1, 0.2], [0.4, 0.3]]))
    assert gen.pmi(full)[0, 1] == pytest.approx(np.log(0.2 / (0.3 * 0.5)))


def test_centred_pmi_is_centred_and_equals_the_centred_log_joint():
    ctx = loglin(1.5)
    L = gen.centred_pmi(ctx)
    np.testing.assert_allclose(L @ ctx.p_a, 0.0, atol=1e-12)
    np.testing.assert_allclose(ctx.p_x @ L, 0.0, atol=1e-12)
    # independent route: log P differs from the PMI by a row and a column term only
    logP = np.log(ctx.P)
    ref = (logP - (logP @ ctx.p_a)[:, None] - (ctx.p_x @ logP)[None, :]
           + ctx.p_x @ logP @ ctx.p_a)
    np.testing.assert_allclose(L, ref, atol=1e-12)


def test_the_log_bilinear_context_has_a_rank_d_centred_pmi_spanned_by_f():
    ctx = loglin(2.0)
    s = gen.pmi_singular_values(ctx, 5)
    assert s[2] > 0.05 and np.all(s[3:] < 1e-12 * s[0])
    span = gen.pmi_span(ctx, 3)
    assert cl.alignment.cca_r2(span, F3) == pytest.approx(1.0, abs=1e-10)
    np.testing.assert_allclose(span.T @ (ctx.p_x[:, None] * span), np.eye(3), atol=1e-10)
    np.testing.assert_allclose(ctx.p_x @ span, 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="exceeds the rank 3"):
        gen.pmi_span(ctx, 4)


def test_pmi_span_and_contexture_agree_at_weak_association_only():
    weak, strong = loglin(0.02), loglin(4.0)
    r2 = {name: cl.alignment.cca_r2(gen.pmi_span(c, 3), cl.contexture(c, 3).left)
          for name, c in (("weak", weak), ("strong", strong))}
    assert r2["weak"] > 0.9999 and r2["strong"] < 0.95


def test_entropies_against_scipy():
    ctx = loglin(1.0)
    C = ctx.conditional()
    H = sum(ctx.p_x[i] * scipy.stats.entropy(C[i]) for i in range(ctx.n_inputs))
    assert gen.conditional_entropy(ctx) == pytest.approx(H, rel=1e-12)
    assert gen.cross_entropy(ctx, C) == pytest.approx(H, rel=1e-12)
    uniform = np.full(ctx.shape, 1 / ctx.n_contexts)
    assert gen.cross_entropy(ctx, uniform) == pytest.approx(np.log(ctx.n_contexts))
    kl = sum(ctx.p_x[i] * scipy.stats.entropy(C[i], uniform[i]) for i in range(ctx.n_inputs))
    assert gen.cross_entropy(ctx, uniform) - H == pytest.approx(kl, rel=1e-10)
    zero = C.copy()
    zero[0] = np.eye(ctx.n_contexts)[0]
    assert gen.cross_entropy(ctx, zero) == np.inf


def test_likelihood_loss_against_numpy_and_soft_targets():
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(5, 4))
    a = np.array([0, 3, 1, 1, 2])
    log_soft = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    assert obj.likelihood(torch.tensor(logits), torch.tensor(a)).item() == pytest.approx(
        -np.mean(log_soft[np.arange(5), a]))
    probs = rng.dirichlet(np.ones(4), size=5)
    assert obj.likelihood(torch.tensor(logits), torch.tensor(probs)).item() == pytest.approx(
        -np.mean(np.sum(probs * log_soft, axis=1)))
    with pytest.raises(ValueError, match=r"class indices must lie in \[0, 3\]"):
        obj.likelihood(torch.tensor(logits), torch.tensor([0, 4, 1, 1, 2]))
    with pytest.raises(ValueError, match="2-D"):
        obj.likelihood(torch.tensor(logits[0]), torch.tensor(a[:1]))


@pytest.mark.slow
def test_a_trained_likelihood_encoder_learns_the_pmi_span_not_the_contexture():
    ctx = loglin(4.0)
    enc = cl.fit_encoder(ctx, "likelihood", 3, random_state=0, epochs=600, lr=1e-2, hidden=(32, 32),
                         device="cpu", progress=False)
    phi = enc.transform(ctx.x_features)
    to_pmi = cl.alignment.cca_r2(phi, gen.pmi_span(ctx, 3))
    to_mu = cl.alignment.cca_r2(phi, cl.contexture(ctx, 3).left)
    assert to_pmi > 0.9 and to_pmi > to_mu + 0.05
    q = enc.context_probabilities(ctx.x_features)
    np.testing.assert_allclose(q.sum(axis=1), 1.0)
    kl = gen.cross_entropy(ctx, q) - gen.conditional_entropy(ctx)
    assert 0 <= kl < 0.2
    kise = cl.fit_encoder(ctx, "kise", 3, epochs=1, device="cpu", progress=False)
    with pytest.raises(ValueError, match="only 'likelihood'"):
        kise.context_probabilities(ctx.x_features)


@pytest.mark.parametrize("call, error, match", [
    (lambda: cl.contexts.log_bilinear(F3, G3[:, :2]), ValueError, "same dimension"),
    (lambda: cl.contexts.log_bilinear(F3, G3, p_x=np.r_[0.0, np.full(11, 1 / 11)]),
     ValueError, "zero entr"),
    (lambda: cl.contexts.log_bilinear(F3, G3, q_a=np.full(5, 0.2)), ValueError, "expected 9"),
    (lambda: gen.cross_entropy(loglin(), np.ones((3, 3))), ValueError, "expected"),
    (lambda: gen.cross_entropy(loglin(), np.full((12, 9), 0.2)), ValueError, "sum to 1"),
    (lambda: gen.pmi_singular_values(loglin(), 0), ValueError, "k must be"),
    (lambda: cl.fit_encoder(loglin(), "likelyhood", 2), ValueError, "likelihood"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
