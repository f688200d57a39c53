"""The probe as the sweeps call it, whichever name its seed argument has.

:func:`contexture_lab.probe.probe_error` takes ``random_state`` once the probe module's
rename lands (its old name ``seed`` then warns); the sweeps pass the name it has, so they
neither break nor warn on either side of that change. Remove this module once every
probe takes ``random_state``.
"""

from __future__ import annotations

import inspect

from .. import probe as _probe


def _seed_name() -> str:
    params = inspect.signature(_probe.probe_error).parameters
    return "random_state" if "random_state" in params else "seed"


def probe_error(features, y, *, random_state=0, **kwargs) -> float:
    """:func:`contexture_lab.probe.probe_error` with its seed given as ``random_state``."""
    return _probe.probe_error(features, y, **{_seed_name(): random_state}, **kwargs)
