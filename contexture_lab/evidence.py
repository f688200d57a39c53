"""The spread behind a comparison: means, standard errors, paired differences.

A notebook that says "A beats B" or "X rises with Y" prints the per-draw values or a mean with
its standard error and interval, and, where the same draws (seeds, label draws, splits) serve
both sides, the paired difference. This module does that arithmetic once.

Conventions (one for the whole lab): the standard error uses the sample standard deviation
(``ddof=1``); intervals are Student-t intervals with ``n - 1`` degrees of freedom, two-sided at
``confidence`` (default 0.95). A paired comparison is *decided* when its interval excludes zero;
otherwise the notebook says the draws do not separate the two.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from . import _rounding_check
from ._validation import as_float_array, check_float

#: Draws whose two sides differ by at most ``TIE_RTOL * max(1, |a|, |b|)`` are ties in
#: :func:`paired`'s counts: two equal errors computed in a different order differ by float
#: noise (1e-17), which must not decide a win.
TIE_RTOL = 1e-6

__all__ = ["TIE_RTOL", "Estimate", "PairedComparison", "estimate", "paired", "trend"]


@dataclass(frozen=True)
class Estimate:
    """A mean over draws with its standard error and a t interval.

    Attributes
    ----------
    values : ndarray of shape (n,)
        The per-draw values.
    mean : float
    standard_error : float
        ``std(values, ddof=1) / sqrt(n)``.
    low, high : float
        The two-sided Student-t interval at ``confidence``.
    confidence : float
    """

    values: np.ndarray
    mean: float
    standard_error: float
    low: float
    high: float
    confidence: float

    @property
    def n(self) -> int:
        """The number of draws."""
        return int(self.values.size)

    def format(self, digits: int = 3) -> str:
        """``mean ± se [low, high] (n = N)`` with ``digits`` decimals.

        Parameters
        ----------
        digits : int, default=3
            Decimals.

        Returns
        -------
        str

        Examples
        --------
        >>> import contexture_lab as cl
        >>> cl.evidence.estimate([1.0, 2.0, 3.0]).format(2)
        '2.00 ± 0.58 [-0.48, 4.48] (n = 3)'
        """
        spec = f".{digits}f"
        _rounding_check.seen(np.array([self.mean, self.standard_error, self.low, self.high]),
                             spec, "cl.evidence.Estimate.format")
        return (f"{self.mean:{spec}} ± {self.standard_error:{spec}} "
                f"[{self.low:{spec}}, {self.high:{spec}}] (n = {self.n})")

    def __str__(self) -> str:
        return self.format()


@dataclass(frozen=True)
class PairedComparison:
    """``a - b`` over the same draws: its estimate, the wins and the verdict.

    Attributes
    ----------
    difference : Estimate
        The estimate of the per-draw differences ``a - b``.
    wins : int
        Draws where ``a > b`` by more than :data:`TIE_RTOL` (relative).
    losses : int
        Draws where ``a < b`` by more than :data:`TIE_RTOL`; ties (``|a - b|`` within it:
        equal values up to float noise) count in neither.
    """

    difference: Estimate
    wins: int
    losses: int

    @property
    def decided(self) -> bool:
        """Whether the interval of ``a - b`` excludes zero."""
        _rounding_check.seen_threshold([self.difference.low, self.difference.high], 0.0,
                                       "cl.evidence.PairedComparison (interval against 0)")
        return self.difference.low > 0 or self.difference.high < 0

    def verdict(self, a: str = "A", b: str = "B", *, larger: str = "higher") -> str:
        """One sentence: which side is ``larger``, or that the draws do not separate them.

        Parameters
        ----------
        a : str, default="A"
            Name of the first side.
        b : str, default="B"
            Name of the second side.
        larger : str, default="higher"
            The word for a larger value ("lower" when smaller is better).

        Returns
        -------
        str

        Examples
        --------
        >>> import contexture_lab as cl
        >>> cl.evidence.paired([1.0, 2.0, 3.0], [0.5, 1.0, 1.5]).verdict("ours", "theirs")
        'ours and theirs are not separated by these 3 draws (95% interval contains 0)'
        """
        d = self.difference
        _rounding_check.seen_threshold([d.low, d.high], 0.0,
                                       "cl.evidence.PairedComparison (interval against 0)")
        if d.low > 0:
            return f"{a} is {larger} than {b} ({d.confidence:.0%} interval excludes 0)"
        if d.high < 0:
            return f"{b} is {larger} than {a} ({d.confidence:.0%} interval excludes 0)"
        return (f"{a} and {b} are not separated by these {d.n} draws "
                f"({d.confidence:.0%} interval contains 0)")

    def format(self, digits: int = 3) -> str:
        """The difference, then ``wins/losses of n``.

        Parameters
        ----------
        digits : int, default=3
            Decimals.

        Returns
        -------
        str
        """
        return (f"difference {self.difference.format(digits)}; "
                f"{self.wins} wins, {self.losses} losses of {self.difference.n}")

    def __str__(self) -> str:
        return self.format()


def _check_confidence(confidence) -> float:
    confidence = check_float(confidence, "confidence")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    return confidence


def estimate(values, *, confidence: float = 0.95) -> Estimate:
    """Mean, standard error and Student-t interval of per-draw values.

    Parameters
    ----------
    values : array-like of shape (n,)
        One value per draw (seed, split, label draw), n >= 2.
    confidence : float, default=0.95
        Two-sided coverage of the interval.

    Returns
    -------
    Estimate

    Examples
    --------
    >>> e = estimate([1.0, 2.0, 3.0])
    >>> round(e.mean, 6), round(e.standard_error, 6)
    (2.0, 0.57735)
    >>> print(e.format(2))
    2.00 ± 0.58 [-0.48, 4.48] (n = 3)
    """
    values = as_float_array(values, "values", ndim=1)
    if values.size < 2:
        raise ValueError(f"values has {values.size} entr(ies); a spread needs at least 2 draws")
    confidence = _check_confidence(confidence)
    n = values.size
    mean = float(values.mean())
    se = float(values.std(ddof=1) / np.sqrt(n))
    half = float(stats.t.ppf(0.5 + confidence / 2, df=n - 1)) * se
    return Estimate(values=values.copy(), mean=mean, standard_error=se, low=mean - half,
                    high=mean + half, confidence=confidence)


def paired(a, b, *, confidence: float = 0.95) -> PairedComparison:
    """Compare two methods measured on the same draws through their differences ``a - b``.

    Parameters
    ----------
    a, b : array-like of shape (n,)
        Per-draw values of the two sides, draw ``i`` of ``a`` paired with draw ``i`` of ``b``.
    confidence : float, default=0.95

    Returns
    -------
    PairedComparison

    Examples
    --------
    >>> c = paired([0.30, 0.32, 0.31, 0.29], [0.20, 0.25, 0.22, 0.21])
    >>> c.wins, c.losses, c.decided
    (4, 0, True)
    >>> c.verdict("KNN-3", "KNN-300", larger="more accurate")
    'KNN-3 is more accurate than KNN-300 (95% interval excludes 0)'
    """
    a = as_float_array(a, "a", ndim=1)
    b = as_float_array(b, "b", ndim=1)
    if a.shape != b.shape:
        raise ValueError(f"a has {a.size} draws and b has {b.size}; a paired comparison "
                         "needs the same draws on both sides")
    diff = a - b
    margin = TIE_RTOL * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
    _rounding_check.seen_threshold(np.abs(diff), margin, "cl.evidence.paired (wins and losses)")
    return PairedComparison(difference=estimate(diff, confidence=confidence),
                            wins=int((diff > margin).sum()), losses=int((diff < -margin).sum()))


def trend(x, values, *, confidence: float = 0.95) -> Estimate:
    """The least-squares slope of ``values`` on ``x`` per draw, summarised over draws.

    "X rises with Y" holds for these draws when the interval of the slope excludes zero.

    Parameters
    ----------
    x : array-like of shape (k,)
        The knob (k >= 2 distinct values).
    values : array-like of shape (n, k)
        One row per draw: the measured value at each ``x``.
    confidence : float, default=0.95

    Returns
    -------
    Estimate
        Of the n per-draw slopes.

    Examples
    --------
    >>> t = trend([0, 1, 2], [[0.0, 1.0, 2.0], [0.0, 2.0, 4.0]])
    >>> t.values.tolist()
    [1.0, 2.0]
    """
    x = as_float_array(x, "x", ndim=1)
    values = as_float_array(values, "values", ndim=2)
    if values.shape[1] != x.size:
        raise ValueError(f"values has {values.shape[1]} columns and x has {x.size} entries; "
                         "expected one column per x")
    centred = x - x.mean()
    spread = float(centred @ centred)
    if spread == 0.0:
        raise ValueError("x has a single distinct value; a slope needs at least two")
    slopes = (values - values.mean(axis=1, keepdims=True)) @ centred / spread
    return estimate(slopes, confidence=confidence)
