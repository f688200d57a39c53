"""Distribution shift: shifted distributions over the inputs, importance weights and shifted
contexts, checked against closed forms."""

import bad_input_checks as bic
import numpy as np
import pytest
from bad_input_checks import bad_input_tests

import contexture_lab as cl
from contexture_lab import shift


@pytest.fixture
def labels():
    """Three classes of 30 inputs each, shape (90,)."""
    return np.repeat([0, 1, 2], 30)


def test_shift_by_class_reaches_the_class_proportions(labels):
    y = labels
    target = np.array([0.5, 0.3, 0.2])
    q1 = shift.shift_by_class(y, target, 1.0)
    np.testing.assert_allclose(np.bincount(y, weights=q1), target, atol=1e-12)
    p = np.full(90, 1 / 90)
    tv = [shift.total_variation(p, shift.shift_by_class(y, target, t)) for t in (0.25, 0.5)]
    assert tv[1] == pytest.approx(2 * tv[0]) and tv[0] > 0


def test_shift_by_feature_is_an_exponential_tilt():
    v = np.array([0.0, 1.0, 2.0, 5.0])
    q = shift.shift_by_feature(v, 1.5)
    z = (v - v.mean()) / v.std()
    np.testing.assert_allclose(q / q[0], np.exp(1.5 * (z - z[0])), rtol=1e-12)
    assert q.sum() == pytest.approx(1.0)


def test_importance_weights_and_effective_sample_size():
    p = np.array([0.5, 0.25, 0.25, 0.0])
    q = np.array([0.25, 0.25, 0.5, 0.0])
    np.testing.assert_allclose(shift.importance_weights(p, q), [0.5, 1.0, 2.0, 0.0])
    assert shift.effective_sample_size(np.ones(7)) == pytest.approx(7.0)
    assert shift.effective_sample_size([0, 0, 3.0]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="train_distribution has none"):
        shift.importance_weights([1.0, 0.0], [0.5, 0.5])


def test_shifted_context_keeps_the_conditional():
    digits = cl.datasets.load_digits(120)
    ctx = cl.contexts.knn(digits.X, 5)
    q = shift.shift_by_feature(digits.X.mean(axis=1), 1.0)
    new = shift.shifted_context(ctx, q)
    np.testing.assert_allclose(new.p_x, q, atol=1e-15)
    np.testing.assert_allclose(new.conditional().toarray(), ctx.conditional().toarray(),
                               atol=1e-12)
    same = shift.shifted_context(ctx, ctx.p_x)
    np.testing.assert_allclose(same.P.toarray(), ctx.P.toarray(), atol=1e-15)


def test_bad_inputs_raise_clear_errors(labels):
    y = labels
    with pytest.raises(ValueError, match="strength must be <= 1"):
        shift.shift_by_class(y, [0.2, 0.3, 0.5], 1.5)
    with pytest.raises(ValueError, match="expected 3, one per class"):
        shift.shift_by_class(y, [0.5, 0.5], 0.5)
    with pytest.raises(ValueError, match="constant"):
        shift.shift_by_feature(np.ones(5), 1.0)
    with pytest.raises(ValueError, match="zero mass"):
        shift.shifted_context(cl.contexts.cycle(5, 0.2), [0.5, 0.5, 0, 0, 0])
    with pytest.raises(TypeError, match="Context"):
        shift.shifted_context(np.eye(3), np.full(3, 1 / 3))


# ---------------------------------------------------------------------- bad input (tables)
_P = bic.P20
COMMON = {
    "importance_weights": lambda a: shift.importance_weights(a(_P), _P),
    "effective_sample_size": lambda a: shift.effective_sample_size(a(_P)),
    "total_variation": lambda a: shift.total_variation(a(_P), _P),
    "shift_by_feature": lambda a: shift.shift_by_feature(a(bic.F20[:, 0]), 1.0),
    "shifted_context": lambda a: shift.shifted_context(bic.CTX20, a(_P)),
}


_, test_common_checks = bad_input_tests((), COMMON)



def test_shift_by_feature_extreme_strength_and_values():
    """A strength of 1e308 is the limit (all mass on the largest value, shared by p among
    ties); values near 1e300 give the tilt of the same values at scale 1 (z is scale-free)."""
    v = np.array([0.0, 1.0, 3.0, 3.0, 2.0])
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(shift.shift_by_feature(v, 1e308), [0, 0, 0.5, 0.5, 0])
        np.testing.assert_array_equal(shift.shift_by_feature(v, -1e308), [1, 0, 0, 0, 0])
        base = np.array([0.1, 0.2, 0.3, 0.0, 0.4])           # the tied maximum without mass
        np.testing.assert_array_equal(shift.shift_by_feature(v, 1e308, base=base),
                                      [0, 0, 1, 0, 0])
        big = shift.shift_by_feature(v * 1e300, 0.7)
    np.testing.assert_allclose(big, shift.shift_by_feature(v, 0.7), rtol=1e-14)
    z = (v - v.mean()) / v.std()
    np.testing.assert_allclose(big, np.exp(0.7 * z) / np.exp(0.7 * z).sum(), rtol=1e-12)
