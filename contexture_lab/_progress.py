"""Progress bars for every wait a student may meet (base layer: tqdm only).

A computation that can take more than about two seconds shows a bar (tqdm: a widget in
Jupyter, a text line elsewhere), closed when it ends (``leave=False``). The bar is shown
whether or not the work is cached: on a cache hit it completes at once. So a notebook's
stored output is the same after a cold and a warm run (nbval compares it: the bar's stored
text is its first state, ``desc:   0%| | 0/total``), and a student always sees that
something is at work.

``cl.progress(iterable, "what it does")`` wraps a notebook's own slow loop the same way.
"""

from __future__ import annotations

import os

#: Set to 0 to hide every bar of the lab (scripts, logs).
PROGRESS_ENV = "CONTEXTURE_LAB_PROGRESS"


def enabled() -> bool:
    return os.environ.get(PROGRESS_ENV, "1") not in ("0", "false", "no")


def task(desc: str, total: int, *, show: bool = True):
    """A bar of ``total`` steps labelled ``desc`` (``update(n)``, ``close()``; a context
    manager). Hidden when ``show`` is false or :data:`PROGRESS_ENV` is 0."""
    from tqdm.auto import tqdm

    return tqdm(total=int(total), desc=desc, leave=False,
                disable=not (show and enabled()))


def progress(iterable, desc: str, *, total: int | None = None, show: bool = True):
    """``iterable`` with a progress bar labelled ``desc`` (what is being computed).

    Parameters
    ----------
    iterable : iterable
    desc : str
        What the loop computes ("forward passes", "permutation nulls").
    total : int, optional
        Number of steps, default ``len(iterable)``.
    show : bool, default=True

    Returns
    -------
    iterator over the items of ``iterable``
    """
    if total is None:
        try:
            total = len(iterable)
        except TypeError:
            total = None
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False,
                disable=not (show and enabled()))


__all__ = ["PROGRESS_ENV", "enabled", "progress", "task"]
