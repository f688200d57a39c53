"""contexture_lab.heads: an attention head as a context, and the profiles of many heads."""

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import heads


def _singular_values(C):
    """s_1..s_{T-1} of a T x T attention matrix as a context with uniform queries, from
    numpy's SVD of diag(p_x)^-1/2 P diag(p_a)^-1/2 (independent of the lab's solver)."""
    t = C.shape[0]
    P = C / t
    p_a = P.sum(axis=0)
    keep = p_a > 0
    Q = P[:, keep] / np.sqrt(1 / t) / np.sqrt(p_a[keep])
    s = np.linalg.svd(Q, compute_uv=False)
    out = np.zeros(t - 1)
    out[:min(t - 1, s.size - 1)] = s[1:t]
    return out


def test_head_context_is_the_attention_matrix():
    A = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    ctx = heads.head_context(A)
    np.testing.assert_allclose(ctx.conditional(), A)
    np.testing.assert_allclose(ctx.p_x, 1 / 3)
    np.testing.assert_allclose(cl.contexture(ctx, 2, on_degenerate="ignore").singular_values,
                               _singular_values(A), atol=1e-12)
    # only the real tokens: a padded 4 x 4 matrix cut to its first 3 rows and columns
    padded = np.zeros((4, 4))
    padded[:3, :3] = A
    np.testing.assert_allclose(heads.head_context(padded, 3).conditional(), A)
    with pytest.raises(ValueError, match="square"):
        heads.head_context(np.ones((2, 3)))
    with pytest.raises(ValueError, match="length must be <= 3"):
        heads.head_context(A, 4)


def _three_heads(t):
    """Identity (local), all mass on the first token (sink), uniform (broad)."""
    local = np.eye(t)
    sink = np.zeros((t, t))
    sink[:, 0] = 1
    broad = np.full((t, t), 1 / t)
    return np.stack([local, sink, broad])


def test_head_profiles_against_closed_forms_and_numpy():
    t = 6
    A = _three_heads(t)[None, None]                  # (n=1, L=1, H=3, T, T)
    prof = heads.head_profiles(A, np.array([t]))
    assert prof["kind"].tolist() == [["local", "sink", "broad"]]
    # local mass: the identity puts all of it on the token itself; the uniform head 3 of 6
    # keys on interior rows, 2 of 6 at the ends: (4 * 3 + 2 * 2) / 6 / 6
    np.testing.assert_allclose(prof["local"][0], [1.0, 2 / 6, (4 * 3 + 2 * 2) / 36])
    # sink mass on positions 0 and T-1: sink head 1, identity 2/T, uniform 2/T
    np.testing.assert_allclose(prof["sink"][0], [2 / t, 1.0, 2 / t])
    np.testing.assert_allclose(prof["entropy"][0], [0.0, 0.0, 1.0], atol=1e-12)
    # spectra: identity has every s_i = 1, a sink or uniform head is independent (s = 0)
    np.testing.assert_allclose(prof["s1"][0], [1.0, 0.0, 0.0], atol=1e-12)
    for h in range(3):
        assert prof["s1"][0, h] == pytest.approx(_singular_values(A[0, 0, h])[0], abs=1e-12)
    # participation ratio: T - 1 equal values for the identity head
    assert prof["effective_dimension"][0, 0] == pytest.approx(t - 1, rel=1e-12)
    np.testing.assert_allclose(prof["kernel_deviation"][0, 1:], 0.0, atol=1e-12)


def test_head_profiles_average_over_texts_of_different_lengths():
    T = 7
    A = np.zeros((2, 1, 1, T, T))
    A[0, 0, 0] = np.eye(T)                           # 7 real tokens
    A[1, 0, 0, :4, :4] = np.full((4, 4), 0.25)       # 4 real tokens, then padding
    prof = heads.head_profiles(A, np.array([T, 4]))
    one = heads.head_profiles(A[:1], np.array([T]))
    two = heads.head_profiles(A[1:], np.array([4]))
    for key in ("local", "sink", "entropy", "s1", "effective_dimension"):
        np.testing.assert_allclose(prof[key], (one[key] + two[key]) / 2, atol=1e-12)
    with pytest.raises(ValueError, match=r"expected \(n, L, H, T, T\)"):
        heads.head_profiles(np.ones((2, 3, 3)), [3, 3])


def test_decoder_sinks_option():
    t = 5
    A = _three_heads(t)[None, None]
    prof = heads.head_profiles(A, [t], sinks=(0,))
    np.testing.assert_allclose(prof["sink"][0], [1 / t, 1.0, 1 / t])
    assert set(heads.HEAD_KINDS) >= set(prof["kind"].ravel())


def test_a_margin_marks_heads_near_a_threshold_as_borderline():
    # every query puts 0.51 on [CLS] and 0.49 on token 3: sink mass 0.51, 0.01 above 0.5;
    # local mass (0.51 * 2 + 0.49 * 3) / 6 = 0.415, entropy H(0.51, 0.49) / log 6 = 0.387
    t = 6
    C = np.zeros((t, t))
    C[:, 0], C[:, 3] = 0.51, 0.49
    A = C[None, None, None]
    plain = heads.head_profiles(A, [t])
    assert plain["sink"][0, 0] == pytest.approx(0.51)
    assert plain["local"][0, 0] == pytest.approx(0.415)
    assert plain["kind"][0, 0] == "sink"
    assert heads.head_profiles(A, [t], margin=0.005)["kind"][0, 0] == "sink"
    assert heads.head_profiles(A, [t], margin=0.02)["kind"][0, 0] == "borderline"
    with pytest.raises(ValueError, match="margin"):
        heads.head_profiles(A, [t], margin=-0.1)
