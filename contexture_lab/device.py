"""The one place that decides the torch device.

Order of precedence: an explicit argument, then the environment variable
``CONTEXTURE_LAB_DEVICE`` (``cpu``, ``cuda`` or ``cuda:N``), then CUDA when available,
else the CPU. Asking for CUDA where there is none raises a clear error.
"""

from __future__ import annotations

import os
import re

ENV_VAR = "CONTEXTURE_LAB_DEVICE"
_PATTERN = re.compile(r"^(cpu|cuda(:\d+)?)$")


def get_device(device=None):
    """Return the ``torch.device`` every torch path of the package should use.

    Parameters
    ----------
    device : str or torch.device, optional
        Explicit choice (``"cpu"``, ``"cuda"``, ``"cuda:N"``); overrides the environment.

    Returns
    -------
    torch.device
    """
    import torch

    if device is None:
        device = os.environ.get(ENV_VAR, "").strip() or None
        source = f"environment variable {ENV_VAR}"
    else:
        source = "argument device"
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str):
        raise TypeError(f"{source} must be a string such as 'cpu' or 'cuda:0', got "
                        f"{type(device).__name__}")
    name = device.strip().lower()
    if not _PATTERN.match(name):
        raise ValueError(f"{source}={device!r} is not a device; expected 'cpu', 'cuda' "
                         "or 'cuda:N'")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(f"{source}={device!r} asks for CUDA, but torch sees no CUDA "
                             "device here; use 'cpu' or unset it")
        index = int(name.split(":")[1]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise ValueError(f"{source}={device!r}: only {torch.cuda.device_count()} CUDA "
                             f"device(s) exist (valid: cuda:0..cuda:"
                             f"{torch.cuda.device_count() - 1})")
    return torch.device(name)


def describe_device(device=None) -> str:
    """One line naming the active device, for notebooks (e.g. ``'cpu'`` or the GPU name).

    Parameters
    ----------
    device : str or torch.device, optional
        As in :func:`get_device`.

    Returns
    -------
    str
        ``"cpu"``, or ``"cuda:0 (<the GPU's name>)"``.
    """
    import torch

    dev = get_device(device)
    if dev.type == "cuda":
        return f"{dev} ({torch.cuda.get_device_name(dev)})"
    return "cpu"
