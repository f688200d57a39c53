"""contexture_lab: an interactive lab for the contexture theory of representation learning.

The core (contexts, spectrum, alignment, ...) needs only numpy and scipy; torch, matplotlib
and ipywidgets load on first use, so ``import contexture_lab`` stays fast.
"""

from __future__ import annotations

import importlib

from . import contexts, degeneracy, exercises
from .context import Context
from .degeneracy import DegenerateSpanWarning, scrambled
from .spectrum import Contexture, contexture

__version__ = "0.1.0"

_LAZY_MODULES = {
    "alignment", "association", "attention", "bounds", "compatibility", "datasets",
    "device", "encoders", "estimation", "evaluation", "evidence", "explore", "generative",
    "graph_signals", "heads", "in_context", "kernel_regression", "measure_benchmark",
    "mixing", "objectives",
    "plotting", "pretrained", "probe", "replication", "robust", "scaling", "shift",
    "spectrum", "training", "widgets",
}


def get_device(device=None):
    """The torch device the package uses; see :mod:`contexture_lab.device`.

    Parameters
    ----------
    device : str or torch.device, optional
        Asked for explicitly (``"cpu"``, ``"cuda"``, ``"cuda:1"``); default: the
        ``CONTEXTURE_LAB_DEVICE`` environment variable, else CUDA when a GPU is visible,
        else the CPU.

    Returns
    -------
    torch.device
    """
    from .device import get_device as _get_device

    return _get_device(device)


def fit_encoder(ctx, objective, d, **kwargs):
    """Train an encoder that learns the contexture (:func:`contexture_lab.training.fit_encoder`).

    Parameters
    ----------
    ctx : Context
        The context, with ``x_features``.
    objective : str
        The objective (``"svme"``, ``"kise"``, ...; see :mod:`contexture_lab.objectives`).
    d : int
        Representation dimension.
    **kwargs : dict
        Options of :func:`contexture_lab.training.fit_encoder` (``epochs``, ``device``,
        ``random_state``, ...).

    Returns
    -------
    Encoder
        ``.transform(x_features)`` gives the (n, d) representation.
    """
    from .training import fit_encoder as _fit_encoder

    return _fit_encoder(ctx, objective, d, **kwargs)


def progress(iterable, desc, **kwargs):
    """``iterable`` with a progress bar labelled ``desc``, for a notebook's own slow loop.

    The bar (tqdm: a widget in Jupyter, a text line elsewhere) closes when the loop ends;
    it is hidden when the environment variable ``CONTEXTURE_LAB_PROGRESS`` is 0.

    Parameters
    ----------
    iterable : iterable
        The items to loop over.
    desc : str
        What the loop computes ("forward passes", "permutation nulls").
    **kwargs : dict
        ``total`` (int, number of steps; default ``len(iterable)``) and ``show`` (bool,
        default True: False hides the bar).

    Returns
    -------
    iterator
        Over the items of ``iterable``, in order.

    Examples
    --------
    >>> import contexture_lab as cl
    >>> [x * x for x in cl.progress(range(4), "squares", show=False)]
    [0, 1, 4, 9]
    """
    from ._progress import progress as _progress

    return _progress(iterable, desc, **kwargs)


def __getattr__(name):
    if name in _LAZY_MODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    raise AttributeError(f"module 'contexture_lab' has no attribute {name!r}")


__all__ = ["Context", "Contexture", "DegenerateSpanWarning", "contexture", "contexts",
           "degeneracy", "exercises", "scrambled", "fit_encoder",
           "get_device", "progress", *sorted(_LAZY_MODULES)]

# with CONTEXTURE_LAB_CHECK_ROUNDING=1 (the test command's environment), a notebook kernel
# reports printed numbers on a rounding boundary and float comparisons on their threshold
from . import _rounding_check  # noqa: E402

_rounding_check.install_if_enabled()
