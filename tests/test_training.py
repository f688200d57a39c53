"""fit_encoder: recovery on a small context, determinism, duality, bad input; CCA invariance."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab.training import OBJECTIVES, dae_span

# {0,1}^4 with bit flips: s = 0.8 (x4, the single-bit Walsh functions), then 0.64 (x6)
CUBE = cl.contexts.hypercube(4, 0.1)
CUBE_TOP = cl.contexture(CUBE, 4)
FAST = dict(device="cpu", progress=False, hidden=(32,))


def fit(objective, ctx=CUBE, **kwargs):
    return cl.fit_encoder(ctx, objective, 4, **{**FAST, "epochs": 200, **kwargs})


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_every_objective_recovers_the_hypercube_contexture(objective):
    enc = fit(objective, lr=1e-2, epochs=250)
    F = enc.transform(CUBE.x_features)
    assert F.shape == (16, 4)
    assert len(enc.history) == 250 and np.all(np.isfinite(enc.history))
    # on the hypercube the pixel-reconstructing DAE happens to hit the same span: the linear
    # features are exactly the top singular functions
    assert cl.alignment.cca_r2(F, CUBE_TOP.left) > 0.95


def test_same_seed_same_numbers_other_seed_other_numbers():
    a, b, c = (fit("svme", epochs=5, seed=s) for s in (3, 3, 4))
    assert np.array_equal(a.transform(CUBE.x_features), b.transform(CUBE.x_features))
    assert a.history == b.history
    assert not np.allclose(a.transform(CUBE.x_features), c.transform(CUBE.x_features))


def test_global_torch_rng_is_untouched():
    import torch

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fit("kise", epochs=2)
    assert torch.equal(torch.rand(3), expected)


def test_svme_duality_phi_equals_t_psi():
    enc = fit("svme", epochs=300, anti_collapse="psi")   # the variant with Phi = T Psi
    phi = enc.transform(CUBE.x_features)
    t_psi = CUBE.expect(enc.transform_context(CUBE.a_features))
    phi, t_psi = phi - CUBE.p_x @ phi, t_psi - CUBE.p_x @ t_psi
    # 16 inputs, one sampled a per input and step: the match is approximate
    assert np.linalg.norm(phi - t_psi) / np.linalg.norm(phi) < 0.2


def test_layer_features_of_a_deep_mlp():
    enc = fit("kise", epochs=2, hidden=(8, 7, 6))
    layers = enc.layer_features(CUBE.x_features)
    assert [h.shape for h in layers] == [(16, 8), (16, 7), (16, 6), (16, 4)]
    assert np.allclose(layers[-1], enc.transform(CUBE.x_features))


def test_dae_span_is_the_reweighted_contexture():
    # hypercube: the bits are the top functions, so the DAE span is the contexture
    S = dae_span(CUBE, 4)
    assert np.allclose(S.T @ (S * CUBE.p_x[:, None]), np.eye(4), atol=1e-10)
    assert cl.alignment.cca_r2(S, CUBE_TOP.left) == pytest.approx(1.0)
    # with features that see only one bit, only that bit's function is reachable
    one_bit = CUBE.with_features(a_features=CUBE.a_features[:, :1])
    S1 = dae_span(one_bit, 1)
    assert cl.alignment.cca_r2(S1, CUBE.x_features[:, :1]) == pytest.approx(1.0)


def test_cca_is_invariant_to_invertible_linear_maps():
    rng = np.random.default_rng(0)
    F, G = rng.normal(size=(50, 4)), rng.normal(size=(50, 3))
    A, B = rng.normal(size=(4, 4)), rng.normal(size=(3, 3))
    shift = rng.normal(size=4)
    assert cl.alignment.cca_r2(F @ A + shift, G @ B) == pytest.approx(
        cl.alignment.cca_r2(F, G), abs=1e-10)
    assert cl.alignment.cca_r2(F @ A, F) == pytest.approx(1.0)
    # the same span in a different basis scores 1 against the exact contexture
    assert cl.alignment.cca_r2(CUBE_TOP.left @ A, CUBE_TOP.left) == pytest.approx(1.0)


@pytest.mark.parametrize("call, error, match", [
    (lambda: cl.fit_encoder(CUBE, "simclr", 2, **FAST), ValueError,
     "spectral_contrastive, non_contrastive, svme, kise, laplacian, supervised, dae"),
    (lambda: cl.fit_encoder(cl.contexts.identity(4), "kise", 2, **FAST), ValueError,
     "no x_features"),
    (lambda: cl.fit_encoder(cl.contexts.label([0, 1, 1], x_features=np.eye(3)), "laplacian",
                            2, **FAST), ValueError, "graph context"),
    (lambda: cl.fit_encoder(cl.contexts.label([0, 1, 1], x_features=np.eye(3)), "svme", 2,
                            **FAST), ValueError, "a_features"),
    (lambda: cl.fit_encoder(CUBE, "kise", 0, **FAST), ValueError, "d must be >= 1"),
    (lambda: cl.fit_encoder(CUBE, "kise", 2, epochs=0, **FAST), ValueError, "epochs"),
    (lambda: cl.fit_encoder(np.eye(3), "kise", 2, **FAST), TypeError, "Context"),
    (lambda: cl.fit_encoder(CUBE, "kise", 2, **{**FAST, "hidden": 64}), TypeError,
     "tuple of layer widths"),
    (lambda: fit("kise", epochs=1).transform_context(CUBE.a_features), ValueError,
     "only 'svme'"),
    (lambda: fit("kise", epochs=1).transform(np.ones((2, 3))), ValueError, "columns"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
