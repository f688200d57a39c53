"""Result tables for notebooks: an aligned, styled HTML table with a stable text fallback.

``cl.plotting.table(...)`` replaces hand-aligned ``print`` tables. The object it returns
displays as an HTML table in JupyterLab and in the book (numbers right-aligned in tabular
figures, a header rule, light row stripes, the best entry of a column in bold when asked)
and as plain text everywhere else. Both renderings are pure functions of the formatted
cells, so a re-executed notebook stores the same bytes (what nbval compares):

- numbers are formatted once (``digits`` or a format per column); a rounded ``-0.000``
  is written ``0.000``; a missing value (``nan`` or ``None``) is written ``n/a``;
- the plain text is never wider than ``max_width`` characters (default 96, narrower than
  the notebook column): wider tables are split into blocks of columns, each block
  repeating the row names;
- the HTML sits in a box that scrolls sideways instead of widening the page.

Example::

    cl.plotting.table({"CKA": cka, "SVCCA": svcca}, index=layer_names,
                      spread={"CKA": cka_se}, highlight={"CKA": "max"},
                      title="alignment with mu, by layer")
"""

from __future__ import annotations

import html
import math
import numbers
import string
from collections.abc import Mapping, Sequence

import numpy as np

from .. import _rounding_check

#: Plain-text tables are split into blocks of columns narrower than this (characters).
MAX_TEXT_WIDTH = 96

_MISSING = "n/a"
_BEST = ("max", "min")

_TABLE_STYLE = ("border-collapse:collapse;border:none;margin:4px 0;"
                "font-variant-numeric:tabular-nums;line-height:1.35")
_TH = ("padding:3px 10px;border:none;border-bottom:1.5px solid #555;font-weight:600;"
       "vertical-align:bottom;text-align:{align}")
_TD = "padding:2px 10px;border:none;white-space:nowrap;text-align:{align}"
_STRIPE = "background:#f2f2f2"
_CAPTION = "caption-side:top;text-align:left;font-weight:600;padding:0 0 4px 2px"
_NOTE = "text-align:left;font-size:90%;color:#444;padding:4px 2px 0 2px"


def _is_number(value) -> bool:
    return isinstance(value, (numbers.Real, np.number)) and not isinstance(value, bool)


def _is_missing(value) -> bool:
    return value is None or (_is_number(value) and not math.isfinite(float(value)))


def _format_number(value, spec: str) -> str:
    integral = spec.rstrip("}").endswith("d")
    if integral:
        _rounding_check.seen_decimals(float(value), 0, "cl.plotting.table cell")
    value = round(float(value)) if integral else float(value)
    if "{" in spec:
        field = next(string.Formatter().parse(spec))
        inner = field[2] if field[1] is not None and field[3] is None else None
    else:
        inner = spec
    if inner is not None and not integral:
        # a rounded -0.000 is shown unsigned below: only the boundaries count
        _rounding_check.seen(value, inner, "cl.plotting.table cell", signed_zero=False)
    text = format(value, spec) if "{" not in spec else spec.format(value)
    stripped = text.lstrip()
    if stripped.startswith("-") and not any(c in "123456789" for c in stripped):
        text = text.replace("-", "", 1)      # a rounded -0.000 reads 0.000
    return text


def _sort_key(text: str, value) -> float:
    """The number a formatted cell shows (ties are judged on what the reader sees)."""
    try:
        return float(text.replace("%", "").replace(",", "").strip())
    except ValueError:
        return float(value)


def _columns_of(data, columns, index):
    """(column names, list of columns) from a mapping of columns or a sequence of rows."""
    if isinstance(data, Mapping):
        if columns is not None:
            raise TypeError("columns must be None when data is a mapping (its keys name "
                            "the columns)")
        names = [str(k) for k in data]
        cols = [list(np.asarray(v, dtype=object).ravel()) if isinstance(v, np.ndarray)
                else list(v) for v in data.values()]
    else:
        if isinstance(data, (str, bytes)) or not isinstance(data, (Sequence, np.ndarray)):
            raise TypeError("data must be a mapping of column name -> values or a sequence "
                            f"of rows, got {type(data).__name__}")
        rows = [list(np.asarray(r, dtype=object).ravel()) if isinstance(r, np.ndarray)
                else list(r) for r in data]
        width = len(rows[0]) if rows else (len(columns) if columns is not None else 0)
        if any(len(r) != width for r in rows):
            raise ValueError("data: every row must have the same length, got lengths "
                             f"{sorted({len(r) for r in rows})}")
        if columns is None:
            raise TypeError("columns (the column names) is required when data is a "
                            "sequence of rows")
        names = [str(c) for c in columns]
        if len(names) != width:
            raise ValueError(f"columns has {len(names)} names but the rows have {width} "
                             "cells")
        cols = [[r[j] for r in rows] for j in range(width)]
    lengths = {len(c) for c in cols}
    if len(lengths) > 1:
        raise ValueError(f"data: every column must have the same length, got {sorted(lengths)}")
    n_rows = lengths.pop() if lengths else 0
    if index is not None:
        index = [str(i) for i in index]
        if len(index) != n_rows:
            raise ValueError(f"index has {len(index)} names but the table has {n_rows} rows")
    return names, cols, n_rows, index


def _per_column(option, names, name: str, default):
    """A per-column option given as one value or a mapping column -> value."""
    if isinstance(option, Mapping):
        unknown = sorted(set(map(str, option)) - set(names))
        if unknown:
            raise ValueError(f"{name} names unknown column(s) {unknown}; the columns are "
                             f"{names}")
        return [option.get(n, default) for n in names]
    return [option if option is not None else default] * len(names)


class Table:
    """A formatted table: ``_repr_html_`` for the lab and the book, ``str`` for plain text.

    Build it with :func:`table`, which formats the cells; the constructor only stores
    them (each argument is kept as the attribute of the same name).

    Parameters
    ----------
    columns : sequence of str
        Column names.
    index : sequence of str or None
        Row names, or None for a table without them.
    cells : sequence of sequence of str, shape (n_rows, n_columns)
        The formatted cells, one list per row.
    bold : sequence of sequence of bool, shape (n_rows, n_columns)
        Which cells are shown bold (the best of their column).
    title : str, optional
        Caption above the table.
    note : str, optional
        Line below the table.
    index_name : str, default=""
        Header of the row-name column.
    max_width : int, default=MAX_TEXT_WIDTH
        Widest plain-text block, in characters (see :meth:`Table.to_text`).
    """

    def __init__(self, columns, index, cells, bold, *, title=None, note=None,
                 index_name="", max_width=MAX_TEXT_WIDTH):
        self.columns = list(columns)
        self.index = None if index is None else list(index)
        self.cells = [list(r) for r in cells]
        self.bold = [list(r) for r in bold]
        self.title = title
        self.note = note
        self.index_name = index_name
        self.max_width = int(max_width)

    # ------------------------------------------------------------------ plain text
    def _text_columns(self):
        """[(header, cells, right-aligned)] with the row names first when there are any."""
        out = []
        if self.index is not None:
            out.append((self.index_name, self.index, False))
        for j, name in enumerate(self.columns):
            cells = [r[j] + ("*" if b[j] else "") for r, b in zip(self.cells, self.bold)]
            out.append((name, cells, True))
        return out

    def to_text(self, max_width: int | None = None) -> str:
        """The table as aligned plain text, split into column blocks; a bold cell is
        marked ``*``.

        Parameters
        ----------
        max_width : int, optional
            Widest block in characters; default the table's ``max_width``. Each block
            repeats the row names.

        Returns
        -------
        str
            The lines of the table (title, header, rule, rows, notes) joined by newlines.
        """
        max_width = self.max_width if max_width is None else int(max_width)
        cols = self._text_columns()
        widths = [max([len(h)] + [len(c) for c in cells]) for h, cells, _ in cols]
        lead = 1 if self.index is not None else 0
        blocks, current = [], []
        used = sum(widths[:lead]) + (2 if lead else 0)
        for j in range(lead, len(cols)):
            add = widths[j] + (2 if current else 0)
            if current and used + add > max_width:
                blocks.append(current)
                current, used = [], sum(widths[:lead]) + (2 if lead else 0)
                add = widths[j]
            current.append(j)
            used += add
        if current or not blocks:
            blocks.append(current)
        lines = [self.title] if self.title else []
        n_rows = len(self.cells)
        for b, block in enumerate(blocks):
            if b:
                lines.append("")
            shown = list(range(lead)) + block

            def row(texts, shown=shown):
                parts = [(t.rjust(widths[j]) if cols[j][2] else t.ljust(widths[j]))
                         for j, t in zip(shown, texts)]
                return "  ".join(parts).rstrip()

            lines.append(row([cols[j][0] for j in shown]))
            lines.append(row(["-" * widths[j] for j in shown]))
            for i in range(n_rows):
                lines.append(row([cols[j][1][i] for j in shown]))
        if any(any(b) for b in self.bold):
            lines.append("(* best in its column)")
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(self.to_text())

    # ------------------------------------------------------------------ HTML
    def to_html(self) -> str:
        """The table as HTML with inline styles (the notebook's CSS cannot move them).

        Returns
        -------
        str
            A ``<div>`` that scrolls sideways, holding the ``<table>`` and its notes.
        """
        esc = html.escape
        head = []
        if self.index is not None:
            head.append(f"<th style='{_TH.format(align='left')}'>{esc(self.index_name)}</th>")
        head += [f"<th style='{_TH.format(align='right')}'>{esc(c)}</th>"
                 for c in self.columns]
        body = []
        for i, (cells, bold) in enumerate(zip(self.cells, self.bold)):
            stripe = f" style='{_STRIPE}'" if i % 2 else ""
            tds = []
            if self.index is not None:
                tds.append(f"<td style='{_TD.format(align='left')}'>{esc(self.index[i])}</td>")
            for text, strong in zip(cells, bold):
                text = esc(text)
                if strong:
                    text = f"<b>{text}</b>"
                tds.append(f"<td style='{_TD.format(align='right')}'>{text}</td>")
            body.append(f"<tr{stripe}>" + "".join(tds) + "</tr>")
        caption = (f"<caption style='{_CAPTION}'>{esc(self.title)}</caption>"
                   if self.title else "")
        notes = []
        if any(any(b) for b in self.bold):
            notes.append("bold: best in its column")
        if self.note:
            notes.append(esc(self.note))
        foot = (f"<div style='{_NOTE}'>{'; '.join(notes)}</div>" if notes else "")
        return (f"<div style='max-width:100%;overflow-x:auto'>"
                f"<table style='{_TABLE_STYLE}'>{caption}"
                f"<thead><tr>{''.join(head)}</tr></thead>"
                f"<tbody>{''.join(body)}</tbody></table>{foot}</div>")

    def _repr_html_(self) -> str:
        return self.to_html()


def table(data, *, columns=None, index=None, index_name: str = "", digits: int = 3,
          formats=None, spread=None, highlight=None, title: str | None = None,
          note: str | None = None, max_width: int = MAX_TEXT_WIDTH) -> Table:
    """An aligned result table (HTML in the lab and the book, plain text elsewhere).

    Parameters
    ----------
    data : mapping of str -> sequence, or sequence of rows
        Columns by name (``{"CKA": [...], "SVCCA": [...]}``), or rows (lists of cells) with
        ``columns`` naming them. Cells are numbers (formatted) or strings (shown as they
        are); ``nan`` and ``None`` show as ``n/a``.
    columns : sequence of str, optional
        Column names; required for a sequence of rows, not allowed for a mapping.
    index : sequence of str, optional
        Row names, shown first and left-aligned. Without it, a first column holding only
        strings is taken as the row names (its name becomes ``index_name``).
    index_name : str, default=""
        Header of the row-name column.
    digits : int, default=3
        Decimals of numbers without an entry in ``formats``.
    formats : str or mapping of str -> str, optional
        A format spec (``".1f"``, ``".2e"``, ``"d"``) or a ``str.format`` pattern
        (``"{:.1%}"``), for every column or by column name.
    spread : mapping of str -> sequence, optional
        By column name, a spread (standard error, standard deviation) shown as
        ``value ± spread`` in the same format as the value.
    highlight : mapping of str -> {"max", "min"}, optional
        By column name, bold the best entry (every entry equal to it once formatted).
    title : str, optional
        Caption above the table.
    note : str, optional
        A sentence under the table (what the spread is, over how many draws ...).
    max_width : int, default=96
        Widest plain-text line; wider tables are split into blocks of columns.

    Returns
    -------
    Table
        Displays itself; ``str(t)`` is the plain text, ``t.to_html()`` the HTML.
    """
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or digits < 0:
        raise ValueError(f"digits must be a non-negative integer, got {digits!r}")
    if not isinstance(max_width, numbers.Integral) or max_width < 20:
        raise ValueError(f"max_width must be an integer >= 20, got {max_width!r}")
    names, cols, n_rows, index = _columns_of(data, columns, index)
    if (index is None and len(names) > 1 and n_rows
            and all(isinstance(v, str) for v in cols[0])):
        # a first column of names is the row index: repeated in every block of plain text
        index, index_name = [str(v) for v in cols[0]], index_name or names[0]
        names, cols = names[1:], cols[1:]
    specs = _per_column(formats, names, "formats", f".{int(digits)}f")
    for spec in specs:
        if not isinstance(spec, str):
            raise TypeError(f"formats must be format strings, got {spec!r}")
    spreads = [None] * len(names)
    if spread is not None:
        if not isinstance(spread, Mapping):
            raise TypeError("spread must be a mapping of column name -> values, got "
                            f"{type(spread).__name__}")
        by_name = dict(zip(names, range(len(names))))
        for key, values in spread.items():
            if str(key) not in by_name:
                raise ValueError(f"spread names unknown column {key!r}; the columns are "
                                 f"{names}")
            values = list(np.asarray(values, dtype=object).ravel())
            if len(values) != n_rows:
                raise ValueError(f"spread[{key!r}] has {len(values)} values, the table has "
                                 f"{n_rows} rows")
            spreads[by_name[str(key)]] = values
    best = _per_column(highlight or {}, names, "highlight", None)
    for b in best:
        if b is not None and b not in _BEST:
            raise ValueError(f"highlight values must be 'max' or 'min', got {b!r}")

    formatted = [[None] * len(names) for _ in range(n_rows)]
    bold = [[False] * len(names) for _ in range(n_rows)]
    for j, (col, spec) in enumerate(zip(cols, specs)):
        shown = []
        for i, value in enumerate(col):
            if _is_missing(value):
                text, key = _MISSING, None
            elif _is_number(value):
                text = _format_number(value, spec)
                key = _sort_key(text, value) if best[j] else None
                if spreads[j] is not None and not _is_missing(spreads[j][i]):
                    text += " ± " + _format_number(spreads[j][i], spec)
            else:
                text, key = str(value), None
            formatted[i][j] = text
            shown.append(key)
        if best[j] is not None:
            keys = [k for k in shown if k is not None]
            if keys:
                target = max(keys) if best[j] == "max" else min(keys)
                for i, k in enumerate(shown):
                    bold[i][j] = k == target
    return Table(names, index, formatted, bold, title=title, note=note,
                 index_name=index_name, max_width=max_width)


__all__ = ["MAX_TEXT_WIDTH", "Table", "table"]
