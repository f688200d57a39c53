"""The one place that decides the torch device."""

import pytest
import torch

import contexture_lab as cl


def test_default_follows_cuda_availability(monkeypatch):
    monkeypatch.delenv("CONTEXTURE_LAB_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert cl.get_device().type == expected


def test_environment_and_argument_override(monkeypatch):
    monkeypatch.setenv("CONTEXTURE_LAB_DEVICE", "cpu")
    assert cl.get_device() == torch.device("cpu")
    monkeypatch.setenv("CONTEXTURE_LAB_DEVICE", "  CPU ")
    assert cl.get_device() == torch.device("cpu")
    assert cl.get_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize("value", ["gpu", "cuda:x", "tpu", "cpu:0"])
def test_unknown_values_are_rejected(monkeypatch, value):
    monkeypatch.setenv("CONTEXTURE_LAB_DEVICE", value)
    with pytest.raises(ValueError, match="expected 'cpu', 'cuda' or 'cuda:N'"):
        cl.get_device()


def test_wrong_type():
    with pytest.raises(TypeError, match="string"):
        cl.get_device(3)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-CUDA error")
@pytest.mark.parametrize("value", ["cuda", "cuda:0", "cuda:3"])
def test_cuda_without_cuda_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv("CONTEXTURE_LAB_DEVICE", value)
    with pytest.raises(ValueError, match="no CUDA device"):
        cl.get_device()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_cuda_index_out_of_range(monkeypatch):
    monkeypatch.setenv("CONTEXTURE_LAB_DEVICE", f"cuda:{torch.cuda.device_count()}")
    with pytest.raises(ValueError, match="only"):
        cl.get_device()


def test_torch_decomposition_runs_on_the_chosen_device():
    ctx = cl.contexts.cycle(10, 0.4)
    res = cl.contexture(ctx, 3, method="torch")   # active device: CUDA if present, else CPU
    assert res.method == "torch"
    assert res.singular_values[0] == pytest.approx(0.6 + 0.4 * 0.8090169943749475)
