"""Input checks shared by the package (scikit-learn ``check_array`` style messages)."""

from __future__ import annotations

import functools
import numbers
import warnings

import numpy as np
import scipy.sparse as sp


def as_float_array(values, name: str, *, ndim: int | tuple[int, ...] | None = None,
                   allow_sparse: bool = False):
    """Return ``values`` as a finite float64 array (or CSR matrix if allowed).

    Raises ``TypeError`` for non-numeric input (complex numbers and text included: they
    are never cast silently) and ``ValueError`` for a wrong number of dimensions or for
    NaN / infinite entries, naming ``name`` in the message.
    """
    if sp.issparse(values):
        if not allow_sparse:
            raise TypeError(f"{name} must be a dense array, got a scipy.sparse matrix")
        _check_real_dtype(values.dtype, name)
        out = sp.csr_matrix(values, dtype=np.float64)
        data = out.data
        shape_ndim = 2
    else:
        if hasattr(values, "detach"):  # a torch tensor
            values = values.detach().cpu().numpy()
        if not isinstance(values, np.ndarray):
            try:
                values = np.asarray(values)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"{name} must be numeric array-like, got "
                                f"{type(values).__name__} ({exc})") from None
        _check_real_dtype(values.dtype, name)
        try:
            out = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be numeric array-like, got {type(values).__name__}"
                            f" ({exc})") from None
        data = out
        shape_ndim = out.ndim
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if shape_ndim not in allowed:
            want = " or ".join(f"{k}-D" for k in allowed)
            raise ValueError(f"{name} must be {want}, got an array of shape {out.shape}")
    bad = ~np.isfinite(data)
    if bad.any():
        raise ValueError(f"{name} contains {int(bad.sum())} NaN or infinite value(s); "
                         "expected finite numbers")
    return out


def _check_real_dtype(dtype, name: str) -> None:
    """Refuse complex numbers, text and dates (numpy would cast or parse them silently)."""
    kind = np.dtype(dtype).kind
    if kind == "c":
        raise TypeError(f"{name} has complex dtype {dtype}; expected real numbers (pass "
                        "the real part, e.g. np.real(...), if the imaginary part is zero)")
    if kind in "USMmV":
        raise TypeError(f"{name} has non-numeric dtype {dtype}; expected real numbers")


def power_of_two_scale(values) -> float:
    """A power of two near max |values| (1.0 for all zeros): dividing by it is exact.

    Scale-invariant computations divide by it first, so that squares and products of
    entries neither overflow (|x| near 1e300) nor underflow (|x| near 1e-300).
    """
    data = values.data if sp.issparse(values) else np.asarray(values)
    top = float(np.max(np.abs(data))) if data.size else 0.0
    if not top > 0 or not np.isfinite(top):
        return 1.0
    return float(np.ldexp(1.0, int(np.frexp(top)[1]) - 1))  # max |values / scale| in [1, 2)


def check_int(value, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int within ``[low, high]``; raise a clear error otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def check_float(value, name: str, *, low: float | None = None, high: float | None = None,
                low_open: bool = False) -> float:
    """Return ``value`` as a finite float within the stated interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if low is not None and (value < low or (low_open and value == low)):
        op = ">" if low_open else ">="
        raise ValueError(f"{name} must be {op} {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def as_paired_rows(a, b, names: tuple[str, str], *, rows_are: str, purpose: str):
    """Two samples paired row by row, as 2-D float arrays (a 1-D sample is one column).

    Parameters
    ----------
    a, b : array-like, shape (n,) or (n, p), and (n,) or (n, q)
        The samples; row i of ``a`` and row i of ``b`` belong together.
    names : (str, str)
        How the messages name them (the caller's argument names).
    rows_are : str
        What a row stands for, plural (``"inputs"``), for the messages.
    purpose : str
        What needs two rows (``"distance correlation"``), for the message on fewer.

    Returns
    -------
    a, b : ndarray, shapes (n, p) and (n, q)

    Examples
    --------
    >>> F, G = as_paired_rows([1.0, 2.0], [[1.0, 0.0], [0.0, 1.0]], ("F", "G"),
    ...                       rows_are="inputs", purpose="comparing F with G")
    >>> F.shape, G.shape
    ((2, 1), (2, 2))
    """
    a = as_float_array(a, names[0], ndim=(1, 2))
    b = as_float_array(b, names[1], ndim=(1, 2))
    a = a[:, None] if a.ndim == 1 else a
    b = b[:, None] if b.ndim == 1 else b
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"{names[0]} has {a.shape[0]} rows and {names[1]} has {b.shape[0]}; "
                         f"both must hold the same {rows_are}, one per row")
    if a.shape[0] < 2:
        raise ValueError(f"{purpose} needs at least 2 {rows_are}, got {a.shape[0]}")
    return a, b


def check_probability_vector(p, name: str, *, atol: float = 1e-8) -> np.ndarray:
    """Return ``p`` as a 1-D non-negative vector that sums to 1."""
    p = as_float_array(p, name, ndim=1)
    if p.size == 0:
        raise ValueError(f"{name} is empty; expected at least one entry")
    if (p < 0).any():
        raise ValueError(f"{name} has {int((p < 0).sum())} negative entr(ies); "
                         "probabilities must be >= 0")
    total = p.sum()
    if abs(total - 1.0) > atol:
        raise ValueError(f"{name} sums to {total:.6g}; expected weights that sum to 1")
    return p


def check_choice(value, name: str, choices) -> str:
    """Return ``value`` if it is one of ``choices``; otherwise raise ``ValueError``."""
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; expected one of {sorted(choices)}")
    return value


def check_rng(rng, name: str = "random_state") -> np.random.Generator:
    """Return a numpy Generator from a Generator or an int seed (no hidden global state).

    Parameters
    ----------
    rng : numpy.random.Generator or int
        A generator (used as it is) or a non-negative integer seed.
    name : str, default="random_state"
        The argument's name, for the error message.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> check_rng(3).integers(10) == check_rng(3).integers(10)
    np.True_
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{name} must be a non-negative int seed, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(f"{name} must be a numpy.random.Generator or an int seed, "
                    f"got {type(rng).__name__}")


def renamed_random_state(*old_names: str):
    """Decorator: accept ``random_state`` under its old names (``seed``, ``rng``) for one
    release, with a ``FutureWarning`` that names the new argument.

    The decorated function must take ``random_state`` as a keyword. Passing both the old and
    the new name is a ``TypeError``.

    Examples
    --------
    >>> @renamed_random_state("seed")
    ... def draw(*, random_state=0):
    ...     return random_state
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     draw(seed=4), caught[0].category.__name__
    (4, 'FutureWarning')
    """
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for old in old_names:
                if old in kwargs:
                    if "random_state" in kwargs:
                        raise TypeError(f"{func.__qualname__}() got both {old!r} and "
                                        "'random_state'; pass only random_state")
                    warnings.warn(f"{func.__qualname__}(): the argument {old!r} is renamed "
                                  f"'random_state'; {old!r} will be removed in the next "
                                  "release", FutureWarning, stacklevel=2)
                    kwargs["random_state"] = kwargs.pop(old)
            return func(*args, **kwargs)
        return wrapper
    return decorate


def moved_attribute(module: str, name: str, moved: dict) -> AttributeError:
    """The error a module's ``__getattr__`` raises for ``name``: where it moved, if it did.

    A module that lost names to a module above it (one that imports it) cannot serve them as
    aliases without an import cycle; it names their new home instead.

    Parameters
    ----------
    module : str
        The module asked (``__name__``).
    name : str
        The attribute asked for.
    moved : dict of str to str
        Moved name -> the module that now holds it.

    Returns
    -------
    AttributeError
        For the caller to raise.

    Examples
    --------
    >>> moved_attribute("pkg.low", "f", {"f": "pkg.high"})
    AttributeError("module 'pkg.low' has no attribute 'f'; it moved to pkg.high.f")
    """
    message = f"module {module!r} has no attribute {name!r}"
    if name in moved:
        message += f"; it moved to {moved[name]}.{name}"
    return AttributeError(message)
