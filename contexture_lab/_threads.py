"""Running numerical code on one thread: the lab's single place for thread-pool limits.

Lanczos iterations, permutation nulls and parameter sweeps are many modest BLAS calls; on
a busy 2-core machine, waking a second BLAS thread for each of them made such loops two to
three times *slower* (threads spin-waiting), so they run inside :func:`one_thread`.
"""

from __future__ import annotations

import functools


@functools.cache
def _controller():
    """The process's thread pools, found once (threadpoolctl's scan of the loaded
    libraries takes tens of milliseconds)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_thread():
    """Context manager limiting every known thread pool (BLAS, OpenMP) to one thread."""
    return _controller().limit(limits=1)
