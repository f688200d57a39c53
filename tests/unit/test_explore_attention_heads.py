"""The temperature sweep of one head with its own queries and keys and no token classes
(how notebook 08 turns the knob on a real head)."""

import matplotlib
import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import attention as at
from contexture_lab.explore import attention as xa

matplotlib.use("Agg")

TEMPS = [0.25, 0.5, 1.0, 2.0, 4.0]


@pytest.fixture(scope="module")
def head():
    rng = np.random.default_rng(3)
    q = rng.standard_normal((9, 4))
    k = rng.standard_normal((9, 4)) + 0.5 * q      # keys correlated with their queries
    return q, k, xa.temperature_sweep(q, None, TEMPS, keys=k, device="cpu")


def test_temperature_one_is_the_heads_own_attention(head):
    q, k, sw = head
    i = sw.index(1.0)
    scores = q @ k.T / np.sqrt(q.shape[1])
    ref = np.exp(scores - scores.max(axis=1, keepdims=True))
    ref /= ref.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(sw.attention[i], ref, atol=1e-6)       # float32 storage
    # tokens keep their order without labels: a permutation would move this matrix
    assert not np.allclose(sw.attention[i], ref[::-1, ::-1], atol=1e-3)


def test_spectrum_and_association_of_each_temperature(head):
    q, k, sw = head
    for i, t in enumerate(sw.temperatures):
        ctx = at.attention_context(q, k, t)
        B = ctx.P / np.sqrt(np.outer(ctx.p_x, ctx.p_a))
        s = np.linalg.svd(B, compute_uv=False)[1:]
        np.testing.assert_allclose(sw.singular_values[i], s, atol=1e-10)
        np.testing.assert_allclose(sw.total_association[i], np.sum(s ** 2), rtol=1e-10)
    assert np.all(np.diff(sw.total_association) < 0)     # hotter = weaker association


def test_no_labels_means_no_probe(head):
    _, _, sw = head
    assert sw.labels is None and sw.d == 0
    assert np.isnan(sw.probe_error).all() and not sw.split.any()


def test_explorer_on_a_head_reads_out_without_a_probe(head):
    _, _, sw = head
    ex = cl.widgets.attention_explorer(sw, temperature=1.0)
    ex.update(temperature=0.5)
    text = ex.readout.value
    assert "d picked by &tau;" in text and "probe" not in text
    i = sw.index(0.5)
    assert f"{sw.total_association[i]:.2f}" in text
    np.testing.assert_allclose(ex.image.get_array(), sw.attention[i] / sw.attention[i].max())
    with_probe = cl.widgets.attention_explorer(xa.temperature_sweep(
        np.vstack([np.eye(4), -np.eye(4)]), np.arange(8) % 2, TEMPS, d=2, n_per_class=1,
        progress=False))
    assert len(ex.figure.axes) == len(with_probe.figure.axes) - 1     # no probe axis drawn


def test_keys_must_match_the_queries():
    q = np.ones((5, 3)) + np.eye(5, 3)
    with pytest.raises(ValueError, match=r"keys has shape \(4, 3\); expected \(5, 3\)"):
        xa.temperature_sweep(q, None, [1.0], keys=q[:4])
