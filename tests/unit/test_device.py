"""The one place that decides the torch device."""

import numpy as np
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


def _recording_svd(monkeypatch):
    """torch.linalg.svd, recording the device and dtype of every matrix it is given."""
    seen = []
    original = torch.linalg.svd

    def svd(A, *args, **kwargs):
        seen.append((A.device, A.dtype))
        return original(A, *args, **kwargs)

    monkeypatch.setattr(torch.linalg, "svd", svd)
    return seen


@pytest.mark.parametrize("choice", ["environment", "argument"])
def test_torch_decomposition_runs_on_the_chosen_device(monkeypatch, choice):
    ctx = cl.contexts.cycle(10, 0.4)
    expected = cl.get_device()                    # CUDA if present (or as set), else CPU
    seen = _recording_svd(monkeypatch)
    if choice == "argument":
        # the argument wins over the environment variable
        monkeypatch.setenv("CONTEXTURE_LAB_DEVICE", "cuda" if expected.type == "cpu" else "cpu")
        res = cl.contexture(ctx, 3, method="torch", device=expected)
    else:
        res = cl.contexture(ctx, 3, method="torch")
    assert res.method == "torch"
    assert seen and {(dev.type, dtype) for dev, dtype in seen} == {(expected.type,
                                                                    torch.float64)}
    assert res.singular_values[0] == pytest.approx(0.6 + 0.4 * np.cos(2 * np.pi / 10),
                                                   abs=1e-12)


def test_describe_device(monkeypatch):
    from contexture_lab.device import describe_device

    monkeypatch.setenv("CONTEXTURE_LAB_DEVICE", "cpu")
    assert describe_device() == "cpu"
    if torch.cuda.is_available():
        name = torch.cuda.get_device_name(0)
        assert describe_device("cuda:0") == f"cuda:0 ({name})"
    else:
        with pytest.raises(ValueError, match="no CUDA device"):
            describe_device("cuda")
