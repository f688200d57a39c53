"""MLP encoder, trained-encoder wrapper and the closed-form random-feature encoder."""

import bad_input_checks as bic
import numpy as np
import pytest
import scipy.special
import torch
from bad_input_checks import bad_input_tests

import contexture_lab as cl
from contexture_lab.encoders import (
    DTYPE,
    MLP,
    AttentionLayer,
    RandomFeatureEncoder,
    median_bandwidth,
)


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


# ---------------------------------------------------------------------- AttentionLayer
def test_attention_layer_learns_a_label_like_context():
    task = dict(n_tokens=16, n_classes=4, dim=12, noise=0.5)
    data = cl.in_context.cluster_sequences(128, **task, random_state=0)
    test = cl.in_context.cluster_sequences(1, **task, random_state=1)
    layer = AttentionLayer(12, 12, random_state=0, device="cpu")
    before = cl.contexture(layer.attention_context(test.tokens[0]), 4).singular_values
    loss0 = layer.loss(test.tokens, test.targets)
    layer.fit(data.tokens, data.targets, epochs=25, lr=0.05)
    after = cl.contexture(layer.attention_context(test.tokens[0]), 4).singular_values
    assert layer.loss(test.tokens, test.targets) < 0.5 * loss0
    assert len(layer.history_) == 25 and layer.history_[-1] < layer.history_[0]
    assert before.max() < 0.1                       # near-uniform start
    assert after[2] > 0.5 and after[3] < 0.7 * after[2]   # C - 1 = 3 strong directions
    label = cl.contexture(cl.contexts.label(test.labels[0]), 3)
    learned = cl.contexture(layer.attention_context(test.tokens[0]), 3)
    assert cl.alignment.cca_r2(learned.left, label.left) > 0.9
    # the learned context is the softmax of the learned scores
    WQ, WK = (layer.params[k].detach().numpy() for k in ("W_Q", "W_K"))
    X = test.tokens[0]
    expected = scipy.special.softmax((X @ WQ) @ (X @ WK).T / np.sqrt(12), axis=1)
    np.testing.assert_allclose(layer.attention_context(X).conditional(), expected, atol=1e-12)


def test_attention_layer_is_reproducible():
    data = cl.in_context.cluster_sequences(16, n_tokens=6, dim=4, random_state=0)
    a = AttentionLayer(4, 3, random_state=2).fit(data.tokens, data.targets, epochs=2)
    b = AttentionLayer(4, 3, random_state=2).fit(data.tokens, data.targets, epochs=2)
    np.testing.assert_array_equal(a.predict(data.tokens[0]), b.predict(data.tokens[0]))


def test_attention_layer_bad_input():
    with pytest.raises(ValueError, match="shape"):
        AttentionLayer(4).fit(np.ones((2, 3, 4)), np.ones((2, 3, 5)))


# ---------------------------------------------------------------------- bad input (tables)
BAD_INPUT = [
    ("RandomFeatureEncoder identical inputs", lambda: RandomFeatureEncoder(16).fit(
        bic.CTX6.with_features(x_features=np.ones((6, 2))), 2), ValueError, "all identical"),
    ("MLP mean of the wrong length", lambda: MLP(3, 2, mean=np.zeros(5)), ValueError,
     r"mean has shape \(5,\); expected \(3,\)"),
    ("MLP scale zero", lambda: MLP(2, 1, scale=[1.0, 0.0]), ValueError, "scale has 1 entr"),
    ("MLP hidden None", lambda: MLP(2, 1, hidden=None), TypeError, "hidden must be a tuple"),
]
COMMON = {
    "median_bandwidth": lambda a: median_bandwidth(a(bic.F20)),
}


test_bad_input_gets_a_clear_error, test_common_checks = bad_input_tests(BAD_INPUT, COMMON)



def test_encoder_transform_of_no_rows_is_empty():
    X = bic.F20
    enc = cl.fit_encoder(cl.contexts.knn(X, 3), "svme", 2, epochs=1, progress=False,
                         device="cpu")
    assert enc.transform(np.zeros((0, 3))).shape == (0, 2)
    assert [a.shape for a in enc.layer_features(np.zeros((0, 3)))] == [(0, 128), (0, 128),
                                                                       (0, 2)]
    assert enc.transform_context(np.zeros((0, 3))).shape == (0, 2)
