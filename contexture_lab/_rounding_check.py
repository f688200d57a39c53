"""Printed numbers that sit on a rounding boundary, counts with an element on their threshold.

A number printed to three decimals is decided by the maths only if it is not within rounding
noise of a half-unit of its last digit: 16.8125 printed as ``{:.3f}`` reads 16.812 on one
machine and 16.813 on another. Likewise ``(values > t).sum()`` counts an element that lies
within noise of ``t`` on one side or the other. The thread and scramble passes of the test
suite cannot see this (their noise is too small to cross the boundary on the test machine);
this module reports it directly.

With ``CONTEXTURE_LAB_CHECK_ROUNDING=1`` (``tasks.py``'s ``TEST_ENV``), importing the
package in an IPython kernel registers an AST transformer (:class:`RoundingTransformer`) that
rewrites each later cell so that:

- every formatted number passes through :func:`seen`: f-strings with a format spec
  (``{x:.3f}``, ``{x:.1%}``, ``{x:.3g}``, ``{x:,.0f}``, ``{x:.{p}f}``), ``format(x, spec)``,
  ``"%.3f" % x``, ``"{:.3f}".format(x)``, ``round(x, n)``, ``np.round(a, n)``,
  ``np.around``, ``a.round(n)`` and ``torch.round(t, decimals=n)``;
- every float array (numpy or torch) printed with ``print``, shown as a cell's value or put in
  an f-string without a spec is checked at numpy's print precision
  (``np.set_printoptions(precision=...)``; torch tensors' own printing is not checked);
- every comparison ``<``, ``<=``, ``>``, ``>=`` with a float array or tensor on either side
  reports the elements within the tolerance of the other side (integer and boolean arrays are
  exact and skipped; comparisons of two Python scalars are not checked).

A finding prints one line to stderr (``rounding check: ...``), which nbval reports as a
changed output. The package's own display formatting goes through the same checker
(:func:`contexture_lab.evidence.Estimate.format`, ``verdict``, and the cells of
:func:`contexture_lab.plotting.table`); thresholds applied inside the package are not seen.

The numerics (:func:`boundary_distance`, :func:`near_threshold`) are plain numpy and used
without IPython too. The tolerance is :data:`TOL` relative to ``max(1, |x|)``. A value that
is exactly on a boundary (16.8125 at three decimals) is reported: whether it was computed
exactly is not known, and one ulp of noise decides its side. A spec that prints so many digits
that its half-unit is within ``100 * TOL`` of the value (``.8f`` on numbers near 1, numpy's
default precision of 8) cannot be judged at this tolerance and is not checked.
"""

from __future__ import annotations

import ast
import builtins
import copy
import math
import numbers
import os
import re
import string
import sys

import numpy as np

#: Environment variable that turns the check on in a notebook kernel.
CHECK_ROUNDING_ENV = "CONTEXTURE_LAB_CHECK_ROUNDING"
#: A value within ``TOL * max(1, |x|)`` of a rounding boundary or a threshold is reported.
TOL = 1e-9
#: Specs whose half-unit is at most ``JUDGE * TOL * max(1, |x|)`` are not checked.
JUDGE = 100.0
#: Name under which the checker is visible to rewritten cell code.
NAMESPACE_NAME = "__cl_rounding__"
#: At most this many findings are printed per cell (then a count of the rest).
MAX_PER_CELL = 5

_SPEC = re.compile(r"^(?:(?P<fill>.)?(?P<align>[<>=^]))?(?P<sign>[-+ ])?(?P<z>z)?(?P<alt>#)?"
                   r"(?P<zero>0)?(?P<width>\d+)?(?P<grouping>[,_])?(?:\.(?P<precision>\d+))?"
                   r"(?P<type>[bcdeEfFgGnosxX%])?$")
_PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?(?P<flags>[#0\- +]*)(?P<width>\*|\d+)?"
                      r"(?:\.(?P<precision>\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])")


# ---------------------------------------------------------------------------------------
# numerics


def _float_values(value):
    """``value`` as a float ndarray when it is a real float (Python, numpy or torch, any
    shape); None for integers, booleans, complex numbers, strings and other objects."""
    if isinstance(value, bool) or isinstance(value, numbers.Integral):
        return None
    if isinstance(value, float):
        return np.asarray(value, dtype=float)
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind != "f":
            return None
        return np.asarray(value, dtype=float)
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(value, torch.Tensor):
        if not value.is_floating_point():
            return None
        return value.detach().to("cpu").double().numpy()
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Rational):
        try:
            return np.asarray(float(value), dtype=float)
        except (TypeError, ValueError):   # pragma: no cover - an exotic Real
            return None
    return None


def _distance_to_half(values, unit):
    """Distance of each value to the nearest odd multiple of ``unit / 2`` (the rounding
    boundaries of a grid of step ``unit``), in the values' units."""
    q = values / unit
    return np.abs(q - np.floor(q) - 0.5) * unit


def spec_rounding(spec: str):
    """How a format spec rounds a float: ``(kind, digits, scale)`` or None.

    ``kind`` is ``"fixed"`` (``digits`` decimals of ``value * scale``; ``f``, ``F``, ``%``)
    or ``"significant"`` (``digits`` significant digits; ``e``, ``g``, ``n`` and no type with
    a precision). None for a spec that does not round (no type and no precision: ``repr``;
    ``d``, ``s``, ...) or is not a valid spec.
    """
    match = _SPEC.match(spec)
    if match is None:
        return None
    kind, precision = match["type"], match["precision"]
    p = None if precision is None else int(precision)
    if kind in ("f", "F"):
        return ("fixed", 6 if p is None else p, 1.0)
    if kind == "%":
        return ("fixed", 6 if p is None else p, 100.0)
    if kind in ("e", "E"):
        return ("significant", (6 if p is None else p) + 1, 1.0)
    if kind in ("g", "G", "n"):
        return ("significant", max(1, 6 if p is None else p), 1.0)
    if kind is None and p is not None:
        return ("significant", max(1, p), 1.0)
    return None


def boundary_distance(value, kind: str, digits: int, scale: float = 1.0):
    """Distance of each element of ``value`` to its nearest rounding boundary, in the
    units of ``value``, and the half-unit of the last printed digit (same units).

    Parameters
    ----------
    value : array-like of float
    kind : {"fixed", "significant"}
        ``digits`` decimals (negative: tens, hundreds, ...) or ``digits`` significant digits.
    digits : int
    scale : float, default=1.0
        The printed number is ``value * scale`` (100 for a percentage).

    Returns
    -------
    distance, half_unit : ndarray of float, each of ``value``'s shape
        NaN where the value is not finite or (significant digits) is zero.
    """
    v = np.asarray(value, dtype=float) * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "fixed":
            unit = np.full(v.shape, 10.0 ** -digits)
        elif kind == "significant":
            exponent = np.floor(np.log10(np.abs(v)))
            unit = 10.0 ** (exponent - (digits - 1))
        else:
            raise ValueError(f"kind must be 'fixed' or 'significant', got {kind!r}")
        distance = _distance_to_half(v, unit)
    bad = ~np.isfinite(v) | ~np.isfinite(unit) | (unit == 0)
    distance = np.where(bad, np.nan, distance) / scale
    return distance, np.where(bad, np.nan, unit / (2 * scale))


def rounding_findings(value, spec: str, *, signed_zero: bool = True) -> list[str]:
    """What is wrong with printing ``value`` with ``spec``: one sentence per kind of finding,
    empty when every element is clear of its rounding boundaries.

    An element within ``TOL * max(1, |x|)`` of a boundary (the half-unit of the last printed
    digit) is reported; so is a negative element within the tolerance of 0, which the spec
    prints as ``-0.000`` where noise of the other sign prints ``0.000`` (when ``signed_zero``
    is true and the spec has no ``z``; a positive one is not reported: it prints ``0.000``,
    and most such values, an ``abs`` or an R^2, cannot turn negative). Integers, booleans,
    NaN and infinities are exact and skipped; so are specs too fine for the tolerance (see
    :data:`JUDGE`).
    """
    values = _float_values(value)
    how = spec_rounding(spec) if isinstance(spec, str) else None
    if values is None or how is None or values.size == 0:
        return []
    kind, digits, scale = how
    flat = values.ravel()
    finite = np.isfinite(flat)
    flat = flat[finite]
    if flat.size == 0:
        return []
    tol = TOL * np.maximum(1.0, np.abs(flat))
    distance, half = boundary_distance(flat, kind, digits, scale)
    judged = np.isfinite(distance) & (half > JUDGE * tol)
    near = judged & (distance <= tol)
    found = []
    if near.any():
        i = int(np.flatnonzero(near)[0])
        x = float(flat[i])
        boundary = _nearest_boundary(x, kind, digits, scale)
        more = f" ({int(near.sum())} of {flat.size} elements)" if flat.size > 1 else ""
        found.append(f"{x!r} printed with '{spec}' is {float(distance[i]):.1e} from the "
                     f"rounding boundary {boundary!r}{more}")
    if signed_zero and "z" not in (_SPEC.match(spec)["z"] or ""):
        zero_printed = (flat < 0) & (flat >= -TOL)
        if kind == "fixed":
            zero_printed &= 0.5 * 10.0 ** -digits / scale > JUDGE * TOL
        if zero_printed.any():
            i = int(np.flatnonzero(zero_printed)[0])
            found.append(f"{float(flat[i])!r} printed with '{spec}' shows a sign that noise "
                         f"decides (-0 against 0)")
    return found


def _nearest_boundary(x: float, kind: str, digits: int, scale: float) -> float:
    """The rounding boundary nearest to ``x`` (for messages)."""
    v = x * scale
    if kind == "fixed":
        unit = 10.0 ** -digits
    else:
        unit = 10.0 ** (math.floor(math.log10(abs(v))) - (digits - 1))
    return (math.floor(v / unit) + 0.5) * unit / scale


def near_threshold(left, right):
    """Elements of ``left`` and ``right`` (broadcast) that lie within ``TOL * max(1, |a|, |b|)``
    of each other, where one side is a float array or tensor.

    Returns None when the comparison is exact (no float array or tensor on either side, or
    integer/boolean arrays); otherwise ``(count, total, a, b)``: how many pairs are near, of
    how many, and the first near pair. Pairs that are exactly equal at an integer value
    (``W > 0`` on a matrix with exact zeros, ``counts >= 1.0``) are exact constructions and
    not counted; exact ties at other values are.
    """
    def is_array(x):
        torch = sys.modules.get("torch")
        return isinstance(x, np.ndarray) or (torch is not None and isinstance(x, torch.Tensor))

    if not (is_array(left) or is_array(right)):
        return None
    a, b = _as_real(left), _as_real(right)
    if a is None or b is None:
        return None
    if a.dtype.kind != "f" and b.dtype.kind != "f":
        return None
    try:
        a, b = np.broadcast_arrays(a.astype(float), b.astype(float))
    except ValueError:
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        scale = np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
        near = np.isfinite(a) & np.isfinite(b) & (np.abs(a - b) <= TOL * scale)
        near &= ~((a == b) & (a == np.round(a)))
    count = int(near.sum())
    if count == 0:
        return (0, a.size, None, None)
    i = np.flatnonzero(near.ravel())[0]
    return (count, a.size, float(a.ravel()[i]), float(b.ravel()[i]))


def _as_real(x):
    """``x`` as a numpy array (numbers, arrays, tensors); None for anything else."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        return x.detach().to("cpu").numpy()
    if isinstance(x, (np.ndarray, np.generic)):
        return np.asarray(x) if x.dtype.kind in "fiub" else None
    if isinstance(x, (numbers.Real,)):
        return np.asarray(x, dtype=float if isinstance(x, float) else np.int64) \
            if not isinstance(x, bool) else np.asarray(x)
    return None


def array_print_spec(values) -> str | None:
    """The spec numpy's printing applies to a float array under the current print options
    (``precision``, ``suppress``): fixed ``.{precision}f`` or scientific
    ``.{precision}e``; None where numpy prints the shortest round-trip digits
    (``floatmode="unique"``)."""
    options = np.get_printoptions()
    if options.get("floatmode") == "unique":
        return None
    p = int(options["precision"])
    finite = np.abs(values[np.isfinite(values)])
    nonzero = finite[finite != 0]
    if nonzero.size:
        big, small = float(nonzero.max()), float(nonzero.min())
        if big >= 1e8 or (not options["suppress"] and (small < 1e-4 or big / small > 1e3)):
            return f".{p}e"
    return f".{p}f"


# ---------------------------------------------------------------------------------------
# reporting


class _Reporter:
    """Prints findings to stderr, at most :data:`MAX_PER_CELL` per cell."""

    def __init__(self):
        self.cell = None
        self.count = 0
        self.seen = set()

    def new_cell(self, *_):
        self.count = 0
        self.seen = set()

    def end_cell(self, *_):
        if self.count > MAX_PER_CELL:
            print(f"rounding check: ... and {self.count - MAX_PER_CELL} more in this cell",
                  file=sys.stderr)
        self.new_cell()

    def __call__(self, where: str, message: str) -> None:
        key = (where, message)
        if key in self.seen:
            return
        self.seen.add(key)
        self.count += 1
        if self.count <= MAX_PER_CELL:
            print(f"rounding check: {where}: {message}", file=sys.stderr)


_report = _Reporter()


def active() -> bool:
    """Whether the check is on (:data:`CHECK_ROUNDING_ENV` set to anything but 0)."""
    return os.environ.get(CHECK_ROUNDING_ENV, "") not in ("", "0")


def seen(value, spec, where: str = "", *, signed_zero: bool = True):
    """Check that ``value`` printed with format ``spec`` is clear of rounding boundaries,
    report on stderr if not (when the check is :func:`active`); return ``value``."""
    if active():
        try:
            findings = rounding_findings(value, spec, signed_zero=signed_zero)
        except Exception as error:  # noqa: BLE001 - the check must not break a cell
            findings = [f"rounding check failed on {type(value).__name__}: {error}"]
        for finding in findings:
            _report(where, finding)
    return value


def seen_decimals(value, decimals, where: str = ""):
    """:func:`seen` for rounding to ``decimals`` places (``round``, ``np.round``)."""
    try:
        decimals = int(decimals)
    except (TypeError, ValueError):
        return value
    if active():
        values = _float_values(value)
        if values is not None:
            flat = values.ravel()
            flat = flat[np.isfinite(flat)]
            if flat.size:
                tol = TOL * np.maximum(1.0, np.abs(flat))
                distance, half = boundary_distance(flat, "fixed", decimals)
                near = np.isfinite(distance) & (half > JUDGE * tol) & (distance <= tol)
                if near.any():
                    i = int(np.flatnonzero(near)[0])
                    x = float(flat[i])
                    more = f" ({int(near.sum())} of {flat.size} elements)" if flat.size > 1 else ""
                    _report(where, f"{x!r} rounded to {decimals} decimals is "
                                   f"{float(distance[i]):.1e} from the rounding boundary "
                                   f"{_nearest_boundary(x, 'fixed', decimals, 1.0)!r}{more}")
    return value


def seen_threshold(values, threshold, where: str = ""):
    """Report (when :func:`active`) elements of ``values`` within the tolerance of
    ``threshold``: a count or decision the package makes on them depends on noise.
    Returns ``values``."""
    if active():
        _report_near(where, near_threshold(np.asarray(values), np.asarray(threshold)),
                     "values within {tol:g} of the threshold {b!r} (e.g. {a!r}): what is "
                     "counted or decided depends on rounding noise")
    return values


def _report_near(where: str, found, message: str) -> None:
    """Report what :func:`near_threshold` found (``None`` or a count of 0: nothing):
    "``count`` of ``total``" and then ``message``, formatted with ``tol``, ``a``, ``b``."""
    if found is not None and found[0]:
        count, total, a, b = found
        _report(where, f"{count} of {total} " + message.format(tol=TOL, a=a, b=b))


def seen_array_print(value, where: str = "", *, _depth: int = 0):
    """Check a float array printed by numpy (``print``, a cell's value, an f-string field
    without a spec), also inside a list, tuple or dict (two levels)."""
    if isinstance(value, (list, tuple, dict)) and _depth < 2 and active():
        for item in (value.values() if isinstance(value, dict) else value):
            seen_array_print(item, where, _depth=_depth + 1)
        return value
    if active() and isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size:
        spec = array_print_spec(np.asarray(value, dtype=float))
        if spec is not None:
            seen(value, spec, where)
    return value


# ---------------------------------------------------------------------------------------
# the hooks rewritten code calls


def fmt(value, spec, where):
    """An f-string field ``{value:spec}`` (``spec`` empty: an array's ``str``)."""
    if spec == "" or spec is None:
        return seen_array_print(value, where)
    return seen(value, spec, where)


def mod(left, right, where):
    """``left % right``; with a string on the left, its conversions are checked."""
    result = left % right
    if isinstance(left, str) and active():
        try:
            _check_percent(left, right, where)
        except Exception:  # noqa: BLE001 - a template Python accepted, we cannot read
            pass
    return result


def _check_percent(template: str, args, where: str) -> None:
    mapping = args if hasattr(args, "keys") and not isinstance(args, str) else None
    sequence = list(args) if isinstance(args, tuple) else [args]
    position = 0
    for match in _PERCENT.finditer(template):
        kind = match["type"]
        if kind == "%":
            continue
        for star in (match["width"], match["precision"]):
            if star == "*":
                position += 1
        precision = match["precision"]
        if precision == "*":
            precision = str(sequence[position - 1])
        if mapping is not None and match["key"] is not None:
            value = mapping[match["key"]]
        else:
            value = sequence[position] if position < len(sequence) else None
            position += 1
        if kind in "eEfFgG":
            spec = ("." + precision if precision is not None else "") + kind
            seen(value, spec, where)


def compare(left, op: str, right, where):
    """``left op right`` for op in ``<``, ``<=``, ``>``, ``>=``, with a report of the
    elements within the tolerance of the other side."""
    result = _COMPARE[op](left, right)
    if active():
        try:
            found = near_threshold(left, right)
        except Exception:  # noqa: BLE001 - objects numpy cannot read
            found = None
        _report_near(where, found,
                     "compared elements within {tol:g} of the other side (e.g. {a!r} "
                     + op + " {b!r}): a count or mask on this comparison depends on "
                     "rounding noise")
    return result


_COMPARE = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def call(func, where):
    """``func`` itself, or a checking wrapper when it formats or rounds numbers (the
    builtins ``format``, ``round`` and ``print``, ``str.format``, numpy's and torch's
    ``round``)."""
    if not active():
        return func
    if func is builtins.format:
        return lambda value, spec="": format(seen(value, spec, where), spec)
    if func is builtins.round:
        def checked_round(number, ndigits=None):
            seen_decimals(number, 0 if ndigits is None else ndigits, where)
            return round(number) if ndigits is None else round(number, ndigits)
        return checked_round
    if func is builtins.print:
        def checked_print(*args, **kwargs):
            for arg in args:
                seen_array_print(arg, where)
            return print(*args, **kwargs)
        return checked_print
    owner = getattr(func, "__self__", None)
    name = getattr(func, "__name__", "")
    if name == "format" and isinstance(owner, str):
        def checked_format(*args, **kwargs):
            _check_str_format(owner, args, kwargs, where)
            return func(*args, **kwargs)
        return checked_format
    if func in (np.round, np.around) or (name == "round"
                                         and isinstance(owner, (np.ndarray, np.generic))):
        def checked_np_round(*args, **kwargs):
            target = owner if owner is not None else (args[0] if args else kwargs.get("a"))
            rest = args if owner is not None else args[1:]
            decimals = rest[0] if rest else kwargs.get("decimals", 0)
            seen_decimals(target, decimals, where)
            return func(*args, **kwargs)
        return checked_np_round
    torch = sys.modules.get("torch")
    if torch is not None and name == "round" and (func is torch.round
                                                  or isinstance(owner, torch.Tensor)):
        def checked_torch_round(*args, **kwargs):
            target = owner if owner is not None else args[0]
            seen_decimals(target, kwargs.get("decimals", 0), where)
            return func(*args, **kwargs)
        return checked_torch_round
    return func


def _check_str_format(template: str, args, kwargs, where: str) -> None:
    formatter = string.Formatter()
    auto = 0
    try:
        for _, field, spec, conversion in formatter.parse(template):
            if field is None:
                continue
            if field == "" or field[0] in ".[":
                field = f"{auto}{field}"
                auto += 1
            if conversion is not None:
                continue
            value, _ = formatter.get_field(field, args, kwargs)
            if spec and "{" in spec:
                spec = formatter.vformat(spec, args, kwargs)
            fmt(value, spec or "", where)
    except (IndexError, KeyError, AttributeError, ValueError, TypeError):
        return   # the call itself raises, or a field we cannot resolve


# ---------------------------------------------------------------------------------------
# the AST transformer


_COMPARE_OPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_CALL_NAMES = {"format", "round", "print"}
_CALL_ATTRS = {"format", "round", "around"}


def _where(node) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 70 else text[:67] + "..."


def _hook(name, *args):
    return ast.Call(func=ast.Attribute(value=ast.Name(id=NAMESPACE_NAME, ctx=ast.Load()),
                                       attr=name, ctx=ast.Load()),
                    args=list(args), keywords=[])


class RoundingTransformer(ast.NodeTransformer):
    """Rewrite a cell so that its formatted numbers, roundings, printed arrays and float
    comparisons pass through this module's checks (their values are unchanged)."""

    def visit_FormattedValue(self, node):
        where = _where(node.value)
        self.generic_visit(node)
        if node.conversion != -1:
            return node                       # !r, !s, !a: full precision
        spec = node.format_spec if node.format_spec is not None else ast.Constant("")
        if isinstance(spec, ast.JoinedStr) and all(isinstance(v, ast.Constant)
                                                   for v in spec.values):
            spec = ast.Constant("".join(v.value for v in spec.values))
        elif isinstance(spec, ast.JoinedStr):
            spec = copy.deepcopy(spec)
        node.value = ast.copy_location(_hook("fmt", node.value, spec, ast.Constant(where)),
                                       node.value)
        return node

    def visit_Call(self, node):
        where = _where(node)
        self.generic_visit(node)
        func = node.func
        if ((isinstance(func, ast.Name) and func.id in _CALL_NAMES)
                or (isinstance(func, ast.Attribute) and func.attr in _CALL_ATTRS)):
            node.func = ast.copy_location(_hook("call", func, ast.Constant(where)), func)
        return node

    def visit_BinOp(self, node):
        where = _where(node)
        self.generic_visit(node)
        if isinstance(node.op, ast.Mod) and (isinstance(node.left, ast.JoinedStr) or (
                isinstance(node.left, ast.Constant) and isinstance(node.left.value, str))):
            return ast.copy_location(_hook("mod", node.left, node.right, ast.Constant(where)),
                                     node)
        return node

    def visit_Compare(self, node):
        where = _where(node)
        self.generic_visit(node)
        if len(node.ops) == 1 and type(node.ops[0]) in _COMPARE_OPS:
            return ast.copy_location(
                _hook("compare", node.left, ast.Constant(_COMPARE_OPS[type(node.ops[0])]),
                      node.comparators[0], ast.Constant(where)), node)
        return node


def _display_array(value, p, cycle):
    seen_array_print(value, "the cell's value")
    p.text(repr(value))


def install(shell=None) -> bool:
    """Register the checks in an IPython shell (default: the running one, if any).

    Returns whether a shell was found. Idempotent."""
    if shell is None:
        # an IPython shell puts get_ipython into builtins: no import of IPython here
        import builtins

        find = getattr(builtins, "get_ipython", None)
        shell = find() if find is not None else None
        if shell is None:
            return False
    shell.user_ns[NAMESPACE_NAME] = sys.modules[__name__]
    if not any(isinstance(t, RoundingTransformer) for t in shell.ast_transformers):
        shell.ast_transformers.append(RoundingTransformer())
        shell.events.register("pre_run_cell", _report.new_cell)
        shell.events.register("post_run_cell", _report.end_cell)
        shell.display_formatter.formatters["text/plain"].for_type(np.ndarray, _display_array)
    return True


def install_if_enabled() -> bool:
    """:func:`install` when :data:`CHECK_ROUNDING_ENV` is set (called on import)."""
    return active() and install()
