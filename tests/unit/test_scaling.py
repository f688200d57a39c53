"""The model-size sweep: parameter counts, the theorem's floor, exact measurements, cache."""

import numpy as np
import pytest
import torch

import contexture_lab as cl
from contexture_lab import scaling
from contexture_lab.encoders import MLP

# {0,1}^4 with bit flips 0.1: s = 0.8 (x4), then 0.64 (x6): a gap at d = 4
CUBE = cl.contexts.hypercube(4, 0.1)
TASK = np.eye(2)[CUBE.x_features[:, 0].astype(int)]   # the first bit, one-hot
FAST = dict(seeds=(0, 1), epochs=40, device="cpu")


@pytest.mark.parametrize("shape", [(64, (8,), 8), (3, (), 2), (5, (7, 7, 7), 4)])
def test_parameter_count_equals_torch(shape):
    n_in, hidden, n_out = shape
    net = MLP(n_in, n_out, hidden=hidden)
    assert scaling.parameter_count(n_in, hidden, n_out) == sum(
        p.numel() for p in net.parameters() if p.requires_grad)


def test_sweep_measures_exactly_and_no_encoder_beats_the_floor(tmp_path):
    archs = [(4,), (32,), (16, 16)]
    sw = scaling.size_sweep(CUBE, 4, archs, task=TASK, cache_dir=tmp_path, **FAST)
    assert sw.r2.shape == sw.worst_case.shape == sw.task_error.shape == (3, 2)
    assert list(sw.widths) == [4, 32, 16] and list(sw.depths) == [1, 1, 2]
    s = cl.spectrum.singular_values(CUBE, 5)
    lo, hi = cl.compatibility.theorem_eps_range(s)
    assert sw.eps == pytest.approx((lo + hi) / 2)
    assert sw.floor == pytest.approx(cl.compatibility.optimal_worst_case_error(s, 4, sw.eps))
    # Thm 16: no 4-dimensional encoder has a smaller worst case than the contexture
    assert np.all(sw.worst_case >= sw.floor - 1e-9)
    assert np.all((sw.r2 >= 0) & (sw.r2 <= 1 + 1e-12))
    # the first bit is a Walsh function of degree 1: in the top-4 span, so no error left
    assert sw.contexture_task_error == pytest.approx(0.0, abs=1e-12)
    # each entry is the measurement of the encoder fit_encoder trains with that seed
    enc = cl.fit_encoder(CUBE, "kise", 4, random_state=1, epochs=40, hidden=(16, 16), device="cpu",
                         progress=False)
    F = enc.transform(CUBE.x_features)
    assert sw.r2[2, 1] == pytest.approx(cl.alignment.cca_r2(F, cl.contexture(CUBE, 4).left))
    assert sw.worst_case[2, 1] == pytest.approx(
        cl.compatibility.worst_case_error(CUBE, F, sw.eps))


def test_a_second_call_reads_the_cache_and_trains_nothing(tmp_path, monkeypatch):
    first = scaling.size_sweep(CUBE, 4, [(8,)], worst_case=False, cache_dir=tmp_path, **FAST)
    assert np.isnan(first.worst_case).all() and np.isnan(first.contexture_task_error)
    assert len(list(tmp_path.glob("*.npz"))) == 1

    def no_training(*args, **kwargs):
        raise AssertionError("the cached sweep was recomputed")

    monkeypatch.setattr(cl.training, "fit_encoder", no_training)
    again = scaling.size_sweep(CUBE, 4, [(8,)], worst_case=False, cache_dir=tmp_path, **FAST)
    np.testing.assert_array_equal(again.r2, first.r2)
    assert again.d == 4 and isinstance(again.d, int) and again.floor == first.floor
    with pytest.raises(AssertionError, match="recomputed"):   # other settings, other key
        scaling.size_sweep(CUBE, 4, [(8,)], worst_case=False, cache_dir=tmp_path,
                           **{**FAST, "epochs": 41})


def test_global_torch_rng_is_untouched(tmp_path):
    torch.manual_seed(7)
    before = torch.rand(1)
    torch.manual_seed(7)
    scaling.size_sweep(CUBE, 4, [(4,)], worst_case=False, cache=False, **FAST)
    assert torch.rand(1) == before


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(architectures=[(8, 16)]), ValueError, "unequal hidden widths"),
    (dict(architectures=[8]), TypeError, "tuple of hidden widths"),
    (dict(architectures=[]), ValueError, "empty"),
    (dict(architectures=[(8,)], seeds=()), ValueError, "seeds is empty"),
    (dict(architectures=[(8,)], d=2), ValueError, "not unique"),
    (dict(architectures=[(8,)], eps=0.9), ValueError, "eps must be <="),
])
def test_bad_input(kwargs, error, match):
    kwargs = {"d": 4, **kwargs}
    with pytest.raises(error, match=match):
        scaling.size_sweep(CUBE, kwargs.pop("d"), kwargs.pop("architectures"), cache=False,
                           **{**FAST, **kwargs})
