"""MLP encoder, trained-encoder wrapper and the closed-form random-feature encoder."""

import numpy as np
import pytest
import torch

import contexture_lab as cl
from contexture_lab.encoders import DTYPE, MLP, RandomFeatureEncoder, median_bandwidth


def test_mlp_shapes_layers_and_standardisation():
    X = np.random.default_rng(0).normal(3.0, 2.0, size=(20, 5))
    net = MLP.for_features(X, 4, hidden=(8, 6), activation="tanh")
    x = torch.as_tensor(X, dtype=DTYPE)
    layers = net.layer_outputs(x)
    assert [tuple(h.shape) for h in layers] == [(20, 8), (20, 6), (20, 4)]
    assert torch.allclose(layers[-1], net(x))
    # the first layer sees standardised inputs
    z = (x - net.mean) / net.scale
    assert torch.allclose(z.mean(0), torch.zeros(5, dtype=DTYPE), atol=1e-12)
    assert torch.allclose(layers[0], torch.tanh(net.hidden_layers[0][0](z)))
    assert tuple(MLP(5, 3, hidden=())(x).shape) == (20, 3)
    with pytest.raises(ValueError, match="activation"):
        MLP(5, 3, activation="sigmoid-ish")


def test_median_bandwidth():
    # pairwise distances 1, 3, 2 -> median 2
    assert median_bandwidth(np.array([[0.0], [1.0], [3.0]])) == pytest.approx(2.0)


def test_random_features_recover_a_smooth_contexture():
    ctx = cl.contexts.cycle(40, 0.5)            # features: points on the unit circle
    res = cl.contexture(ctx, 4)
    rf = RandomFeatureEncoder(400, bandwidth=0.5, random_state=0).fit(ctx, 4)
    F = rf.transform(ctx.x_features)
    assert cl.alignment.cca_r2(F, res.left) > 0.99
    # Courant-Fischer: a restricted class can only find smaller eigenvalues of T T*
    assert np.all(rf.eigenvalues_ <= res.singular_values ** 2 + 1e-6)
    assert np.allclose(rf.eigenvalues_, res.singular_values ** 2, atol=1e-3)
    # mean zero and identity covariance under p_x
    assert np.allclose(ctx.p_x @ F, 0.0, atol=1e-10)
    assert np.allclose(F.T @ (F * ctx.p_x[:, None]), np.eye(4), atol=1e-4)


def test_random_features_more_features_richer_class_and_seeded():
    X = cl.datasets.load_digits(300).X
    ctx = cl.contexts.knn(X, 10)
    res = cl.contexture(ctx, 8)
    scores = [cl.alignment.cca_r2(RandomFeatureEncoder(m, random_state=1).fit(ctx, 8)
                                  .transform(X), res.left) for m in (16, 400)]
    assert scores[0] < scores[1]
    a = RandomFeatureEncoder(50, random_state=3).fit(ctx, 4).transform(X)
    b = RandomFeatureEncoder(50, random_state=3).fit(ctx, 4).transform(X)
    assert np.array_equal(a, b)


def test_random_features_bad_input():
    ctx = cl.contexts.cycle(10, 0.3)
    with pytest.raises(ValueError, match="not fitted"):
        RandomFeatureEncoder(10).transform(ctx.x_features)
    with pytest.raises(ValueError, match="d must be <= 10"):
        RandomFeatureEncoder(10).fit(ctx, 11)
    with pytest.raises(ValueError, match="x_features"):
        RandomFeatureEncoder(10).fit(cl.contexts.identity(5), 2)
    with pytest.raises(ValueError, match="columns"):
        RandomFeatureEncoder(10).fit(ctx, 2).transform(np.ones((3, 5)))
    with pytest.raises(ValueError, match="bandwidth"):
        RandomFeatureEncoder(10, bandwidth=-1.0)
    with pytest.raises(TypeError, match="Context"):
        RandomFeatureEncoder(10).fit(np.eye(3), 2)
