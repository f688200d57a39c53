"""Looking up a value on a sweep's precomputed grid (shared by the explore modules)."""

import numpy as np


def grid_position(grid, value, name: str, grid_name: str) -> int:
    """Index of ``value`` in ``grid``; ``ValueError`` naming the grid when it is not there."""
    grid = np.asarray(grid)
    hits = np.flatnonzero(grid == value)
    if hits.size == 0:
        raise ValueError(f"{name}={value!r} is not one of the sweep's {grid_name} "
                         f"{grid.tolist()}")
    return int(hits[0])
