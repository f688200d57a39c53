"""The bad-input harness shared by the unit tests, in the style of scikit-learn's common checks.

Each module's test file keeps its own tables:

- ``BAD_INPUT``: rows ``(id, call, error, match)``; ``call()`` must raise ``error`` whose
  message matches ``match`` (it says what was found and what is expected);
- ``COMMON``: ``{name: call}`` where ``call(make)`` passes ``make(array)`` as the first array
  argument of a public function; every function is fed each kind of bad array in
  :data:`KINDS` (complex -> ``TypeError``, NaN or 3-D -> ``ValueError``).
"""

import numpy as np
import pytest

import contexture_lab as cl

# ---------------------------------------------------------------------- shared inputs
_RNG = np.random.default_rng(0)
F40 = _RNG.standard_normal((40, 3))                          # a representation, (40, 3)
G40 = F40 @ _RNG.standard_normal((3, 3)) + 0.5 * _RNG.standard_normal((40, 3))
X30 = _RNG.standard_normal((30, 2))                          # data points, (30, 2)
P22 = np.array([[0.25, 0.25], [0.0, 0.5]])                   # a joint distribution
CTX6 = cl.contexts.cycle(6, 0.3)
W4 = np.ones((4, 4)) - np.eye(4)                             # complete graph on 4 nodes
Y40 = np.arange(40) % 4
NAN40 = F40.copy()
NAN40[3, 1] = np.nan
SPARSE_CTX = cl.contexts.knn(np.random.default_rng(1).standard_normal((300, 2)), 5)
# the inputs of the common checks
S4 = np.array([0.9, 0.5, 0.2, 0.1])                          # singular values
F20 = _RNG.standard_normal((20, 3))
G20 = _RNG.standard_normal((20, 2))
K20 = F20 @ F20.T
CTX20 = cl.contexts.knn(F20, 3)
Y20 = np.arange(20) % 2
P20 = np.full(20, 1 / 20)
W5 = np.ones((5, 5)) - np.eye(5)


def _complex(x):
    return np.asarray(x) + 0j


def _with_nan(x):
    x = np.array(x, dtype=float)
    x.flat[0] = np.nan
    return x


def _three_d(x):
    return np.asarray(x)[..., None, None]


#: (kind, make, error): each bad kind of array and the error it must raise.
KINDS = (("complex", _complex, TypeError),
         ("NaN", _with_nan, ValueError),
         ("3-D", _three_d, ValueError))


def clear_error_cases(rows):
    """pytest parameters ``(call, error, match)`` of ``rows`` ``(id, call, error, match)``."""
    return [pytest.param(call, error, match, id=name) for name, call, error, match in rows]


def common_cases(funcs):
    """pytest parameters ``(call, make, error)``: every function of ``funcs`` x every kind."""
    return [pytest.param(call, make, error, id=f"{name}-{kind}")
            for name, call in funcs.items() for kind, make, error in KINDS]


def assert_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def assert_common_check(call, make, error):
    with pytest.raises(error) as info:
        call(make)
    assert len(str(info.value)) > 20          # a message, not a bare exception


def bad_input_tests(bad_input=(), common=None):
    """The two table-driven tests of a module's unit test file, made once here:

        test_bad_input_gets_a_clear_error, test_common_checks = bad_input_tests(BAD_INPUT, COMMON)

    ``bad_input`` rows are ``(id, call, error, match)``; ``common`` maps a name to
    ``call(make)``, run with every kind of malformed array in :data:`KINDS`. A table left
    out gives ``None`` in its place (pytest collects nothing for it)."""
    clear = common_tests = None
    if bad_input:
        @pytest.mark.parametrize("call, error, match", clear_error_cases(bad_input))
        def clear(call, error, match):
            assert_clear_error(call, error, match)
    if common:
        @pytest.mark.parametrize("call, make, error", common_cases(common))
        def common_tests(call, make, error):
            assert_common_check(call, make, error)
    return clear, common_tests
