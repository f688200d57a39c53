"""The one lookup rule for sweep grids, and the protocol every sweep follows.

A sweep precomputes a knob's grid (:attr:`Sweep.values`) and the encoder dimensions of its
probe (:attr:`Sweep.d_values`); widgets, figures and notebooks find a grid point with
:meth:`Sweep.index` and :meth:`Sweep.d_index`, both of which apply :func:`grid_index`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

#: A value finds a point of a real-valued grid when it agrees with it to this relative
#: tolerance: a grid value written with the three significant digits that titles and
#: readouts print (``f"{t:.3g}"``, e.g. 0.0316 for 10**-1.5) finds its point, a value half
#: way to a neighbour does not. Grids of integers (k, steps, d) need the integer itself.
GRID_RTOL = 5e-3


def grid_index(grid, value, *, name: str, grid_name: str = "grid") -> int:
    """Position of ``value`` on a sweep's grid; the one lookup rule of the explore layer.

    A grid whose points are all integers (k, steps, d) is matched exactly. Any other grid
    is matched to a relative tolerance ``GRID_RTOL`` (the nearest point, if it is
    that close). Off the grid is a ``ValueError`` that lists the grid.

    Parameters
    ----------
    grid : array-like, shape (V,)
        The precomputed values.
    value : real
        The value looked up.
    name : str
        The knob's name, for the message (e.g. ``"k"``, ``"temperature"``, ``"d"``).
    grid_name : str, default="grid"
        What the grid is called, for the message.

    Returns
    -------
    int
        The position, 0 <= i < V.

    Examples
    --------
    >>> grid_index([0.01, 0.0316227766, 0.1], 0.0316, name="temperature")
    1
    >>> grid_index([1, 3, 8], 3, name="k")
    1
    """
    grid = np.asarray(grid, dtype=np.float64).ravel()
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number on the sweep's {grid_name} "
                        f"{grid.tolist()}, got {value!r}") from None
    if grid.size and np.isfinite(x):
        i = int(np.argmin(np.abs(grid - x)))
        integers = np.all(grid == np.round(grid))
        tol = 0.0 if integers else GRID_RTOL * abs(grid[i])
        if abs(grid[i] - x) <= tol:
            return i
    shown = [int(g) if g == round(g) else float(f"{g:.4g}") for g in grid]
    raise ValueError(f"{name}={value!r} is not on the sweep's {grid_name} {shown}; "
                     "a sweep holds only its precomputed values")


@runtime_checkable
class Sweep(Protocol):
    """What every sweep of :mod:`contexture_lab.explore` offers to widgets and figures.

    Attributes
    ----------
    values : ndarray, shape (V,)
        The knob's grid.
    d_values : ndarray of int, shape (D,)
        Encoder dimensions of the probe.
    """

    values: np.ndarray
    d_values: np.ndarray

    def index(self, value) -> int:
        """Position of a knob value on ``values`` (:func:`~contexture_lab.explore.grid_index`)."""

    def d_index(self, d) -> int:
        """Position of an encoder dimension on ``d_values``
        (:func:`~contexture_lab.explore.grid_index`)."""


class GridLookup:
    """``index`` and ``d_index`` of the :class:`~contexture_lab.explore.Sweep` protocol, by
    :func:`grid_index`, for a sweep with ``values``, ``d_values`` and ``parameter``."""

    def index(self, value) -> int:
        """Position of a knob value on the sweep's grid ``values``.

        Parameters
        ----------
        value : real
            A grid value (integers exactly; reals to ``GRID_RTOL``).

        Returns
        -------
        int
            ``ValueError`` if ``value`` is not on the grid.
        """
        return grid_index(self.values, value, name=self.parameter, grid_name="grid")

    def d_index(self, d) -> int:
        """Position of an encoder dimension in ``d_values`` (``ValueError`` if absent)."""
        return grid_index(self.d_values, d, name="d", grid_name="d_values")


def grid_position(grid, value, name: str, grid_name: str) -> int:
    """Alias of :func:`grid_index` under its old signature."""
    return grid_index(grid, value, name=name, grid_name=grid_name)
