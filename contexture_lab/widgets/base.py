"""The shared base of the lab's explorers: one figure, a row of controls, one ``update``.

An explorer is a thin object that wires ipywidgets controls to a matplotlib figure whose
artists are created once and then only *updated* (``set_data``/``set_ydata``, followed by
``canvas.draw_idle()``). All heavy computation is done beforehand by a sweep in
:mod:`contexture_lab.explore`; a slider step only indexes into it.

Subclassing
-----------
A subclass builds its controls, calls ``super().__init__(controls, figsize=...)`` and
implements two hooks:

``_setup(figure)``
    called once: create the axes and artists (keep references on ``self``).
``_redraw(**state)``
    called on every step with the current value of every control (keyword = control name):
    update the artists in place and return an HTML string for the readout (numbers are
    shown there, never printed: prints in callbacks break nbval and vanish in widgets).
    Build it with :func:`readout_html` (a status line, a table of numbers, a note line),
    so the readout keeps its height for every knob value.

Optional blitting: put the artists that ``_redraw`` moves in ``self.animated`` (a list)
inside ``_setup``. They are then marked animated and each step restores the static
background saved at the last full draw, draws only those artists and blits
(``canvas.blit``), which skips the costly re-rendering of axes, ticks and text. Only do
this when nothing else changes on a step (no tick labels, titles or legends that move;
an axis whose limits change must have no ticks). Leave ``self.animated`` empty for a
plain ``draw_idle`` redraw.

Example::

    class Sine(Explorer):
        def __init__(self):
            freq = ipywidgets.FloatSlider(value=1.0, min=0.5, max=3.0, description="f")
            super().__init__({"freq": freq}, figsize=(4, 3))

        def _setup(self, figure):
            self.ax = figure.add_subplot()
            self.t = np.linspace(0, 1, 200)
            self.line, = self.ax.plot(self.t, np.sin(2 * np.pi * self.t))

        def _redraw(self, freq):
            self.line.set_ydata(np.sin(2 * np.pi * freq * self.t))
            return f"frequency {freq:.2f}"

    ex = Sine()
    ex.update(freq=2.0)     # what a slider step does; callable without a browser
    ex.widget               # display this in a notebook
    ex.figure               # the matplotlib Figure (display it for a static fallback)

The figure is a plain :class:`matplotlib.figure.Figure` (not made through pyplot) with an
ipympl canvas attached explicitly, so an explorer is interactive even when the notebook
uses ``%matplotlib inline`` for its static figures, and it is never shown twice.
"""

from __future__ import annotations

import html
import re
import sys
import warnings

import ipywidgets
from matplotlib.figure import Figure

from ..plotting.core import lab_style


def _ipympl():
    """ipympl's Canvas and FigureManager, leaving the pyplot backend as it was.

    ``import ipympl`` switches matplotlib to the ipympl backend, which would turn every
    later ``plt.subplots()`` of a ``%matplotlib inline`` notebook into a widget; the
    previous backend is restored (only the first import switches).
    """
    if "ipympl" not in sys.modules:
        import matplotlib

        previous = matplotlib.rcParams._get_backend_or_none()  # None: not chosen yet
        import ipympl.backend_nbagg  # noqa: F401

        if previous is not None:
            matplotlib.use(previous)
        else:
            matplotlib.rcParams["backend"] = matplotlib.rcsetup._auto_backend_sentinel
            if "matplotlib.pyplot" in sys.modules:
                sys.modules["matplotlib.pyplot"].switch_backend(
                    matplotlib.rcsetup._auto_backend_sentinel)
    from ipympl.backend_nbagg import Canvas, FigureManager

    return Canvas, FigureManager


def interactive_canvas(figure: Figure):
    """Attach an ipympl canvas (an ipywidgets ``DOMWidget``) to ``figure`` and return it.

    The canvas works without a browser (construction and ``draw_idle`` need no front end),
    which lets tests and benchmarks drive explorers in a plain Python process.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A figure made without pyplot; the canvas (with a figure manager) becomes its own.

    Returns
    -------
    ipympl.backend_nbagg.Canvas
        The canvas widget, without toolbar, header, footer or resize handle.
    """
    Canvas, FigureManager = _ipympl()
    canvas = Canvas(figure)
    with warnings.catch_warnings():  # ipympl's toolbar trips a traitlets deprecation
        warnings.simplefilter("ignore", DeprecationWarning)
        FigureManager(canvas, num=id(figure))
    canvas.toolbar_visible = False
    canvas.header_visible = False
    canvas.footer_visible = False
    canvas.resizable = False
    return canvas


#: Dots per inch of an explorer's canvas: one inch is 100 px on screen at 100 % zoom.
EXPLORER_DPI = 100


class Explorer:
    """Base class: a figure, named controls, a readout and ``update(**knobs)``.

    Parameters
    ----------
    controls : dict of str -> ipywidgets.ValueWidget
        Control name -> widget. The names are the keywords of :meth:`update` and of the
        subclass's ``_redraw``. Changing a widget's ``value`` (a slider step in the
        browser) triggers exactly one redraw.
    figsize : tuple of float, default=(9.0, 3.6)
        Figure size in inches, drawn at :data:`EXPLORER_DPI` (9 inches fill the column).

    Attributes
    ----------
    figure : matplotlib.figure.Figure
    canvas : ipympl Canvas (an ipywidgets widget showing ``figure``)
    controls : dict of str -> widget
    readout : ipywidgets.HTML
        Numbers of the current state, written by ``_redraw``.
    widget : ipywidgets.VBox
        Controls, canvas and readout, ready to display.
    """

    def __init__(self, controls: dict, *, figsize=(9.0, 3.6)):
        if not controls:
            raise ValueError("an explorer needs at least one control")
        self.controls = dict(controls)
        self.animated = []
        self._background = None
        with lab_style():
            # 100 dpi: a 9-inch figure is the notebook column's 900 px, its 9-point text
            # 12.5 px (the figure check asks for at least 10 px)
            self.figure = Figure(figsize=figsize, dpi=EXPLORER_DPI)
            self.canvas = interactive_canvas(self.figure)
            self._setup(self.figure)
        for artist in self.animated:
            artist.set_animated(True)
        self.canvas.mpl_connect("draw_event", self._on_draw)
        self.readout = ipywidgets.HTML()
        self._syncing = False
        for widget in self.controls.values():
            widget.observe(self._on_change, names="value")
        controls_row = ipywidgets.HBox(  # wraps onto more lines instead of squeezing
            list(self.controls.values()),
            layout=ipywidgets.Layout(flex_flow="row wrap", align_items="center"))
        self.widget = ExplorerBox([controls_row, self.canvas, self.readout])
        self.widget.offline_text = offline_text(type(self).__name__)
        self._render()

    # ------------------------------------------------------------------ hooks
    def _setup(self, figure: Figure) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _redraw(self, **state) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    # ------------------------------------------------------------------ public
    @property
    def state(self) -> dict:
        """The current value of every control, by name."""
        return {name: widget.value for name, widget in self.controls.items()}

    @property
    def blits(self) -> bool:
        """True when a step blits (a background from a full draw is saved)."""
        return self._background is not None

    def update(self, **knobs) -> Explorer:
        """Set controls by name and redraw once (what moving the sliders does).

        All or nothing: unknown names raise ``ValueError`` before anything changes; a value
        a control cannot take (e.g. off a selection grid) or a combination the explorer
        cannot show raises ``ValueError`` and leaves every control, the figure and the
        readout as they were before the call.

        Parameters
        ----------
        **knobs : dict
            Control name -> new value; controls not named keep their values.

        Returns
        -------
        Explorer
            The explorer itself (so ``ex.update(...)`` displays it in a notebook).
        """
        unknown = sorted(set(knobs) - set(self.controls))
        if unknown:
            raise ValueError(f"unknown control(s) {unknown}; this explorer has "
                             f"{sorted(self.controls)}")
        before = self.state
        rendering = False
        try:
            self._syncing = True
            try:
                for name, value in knobs.items():
                    self._set(name, value)
            finally:
                self._syncing = False
            rendering = True
            self._render()
        except BaseException:
            self._restore(before, redraw=rendering)
            raise
        return self

    def show_text(self, text: str) -> None:
        """Write plain text to the readout (escaped).

        Parameters
        ----------
        text : str
            The text, shown as it is (HTML special characters escaped).
        """
        self.readout.value = html.escape(text)

    # ------------------------------------------------------------------ internals
    def _on_change(self, change) -> None:
        if self._syncing:
            return
        try:
            self._render()
        except BaseException:  # a browser step the explorer cannot show: step back
            self._restore({**self.state, self._name_of(change["owner"]): change["old"]},
                          redraw=True)
            raise

    def _name_of(self, widget) -> str:
        return next(name for name, w in self.controls.items() if w is widget)

    def _set(self, name: str, value) -> None:
        """Set one control, turning the widget's own ``TraitError`` into a ``ValueError``."""
        from traitlets import TraitError

        widget = self.controls[name]
        try:
            widget.value = value
        except TraitError as exc:
            options = getattr(widget, "options", None)
            if options is not None:
                options = [o[1] if isinstance(o, tuple) else o for o in options]
            expected = (f"one of {list(options)}" if options is not None else
                        f"a value this {type(widget).__name__} accepts")
            raise ValueError(f"{name}={value!r} is not a value of the {name!r} control "
                             f"({exc}); expected {expected}") from None

    def _restore(self, state: dict, *, redraw: bool) -> None:
        """Put every control back to ``state`` (no callbacks) and redraw it if asked."""
        self._syncing = True
        try:
            for name, value in state.items():
                if self.controls[name].value != value:
                    self.controls[name].value = value
        finally:
            self._syncing = False
        if redraw:
            self._render()

    def _on_draw(self, event) -> None:
        """After a full draw: save the static background, then add the animated artists.

        Also runs when the figure is saved or shown inline, so animated artists are never
        missing from a static image.
        """
        if not self.animated:
            return
        if event.canvas is self.canvas and event.renderer is getattr(self.canvas,
                                                                     "renderer", None):
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        for artist in self.animated:
            artist.draw(event.renderer)

    def _render(self) -> None:
        text = self._redraw(**self.state)
        if text is not None:
            self.readout.value = text
        if self._background is None:
            self.canvas.draw_idle()
            return
        self.canvas.restore_region(self._background)
        for artist in self.animated:
            self.figure.draw_artist(artist)
        self.canvas.blit(self.figure.bbox)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


#: Cell style of readout tables: numbers right-aligned under right-aligned headers.
_CELL = "padding:1px 10px;text-align:right;border:none;"


def html_table(header, rows) -> str:
    """A readout table, every column aligned with its header (inline styles, so the
    notebook's CSS cannot move them): the first column left-aligned, the others right.

    Parameters
    ----------
    header : sequence of str (HTML)
        Column titles.
    rows : sequence of sequence of str (HTML)
        The rows' cells, the first naming the row.

    Returns
    -------
    str
        The ``<table>`` as HTML.
    """
    first = _CELL.replace("right", "left")
    head = "".join(f"<th style='{first if n == 0 else _CELL}'>{h}</th>"
                   for n, h in enumerate(header))
    body = "".join("<tr>" + "".join(f"<td style='{first if n == 0 else _CELL}'>{c}</td>"
                                    for n, c in enumerate(row)) + "</tr>" for row in rows)
    return (f"<table style='border-collapse:collapse;font-size:90%;margin-top:2px'>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


#: One line of a readout: never wraps, so a readout keeps its height for every knob value
#: (a longer sentence is cut with an ellipsis; the whole of it is the line's tooltip).
_LINE = ("white-space:nowrap;overflow:hidden;text-overflow:ellipsis;height:1.5em;"
         "line-height:1.5em;margin:0;")


def _plain(text: str) -> str:
    """``text`` without its HTML tags and entities (for a tooltip)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _line(text: str, extra: str = "") -> str:
    title = html.escape(_plain(text), quote=True)
    return f"<div style='{_LINE}{extra}' title='{title}'>{text or '&nbsp;'}</div>"


def readout_html(status: str, header, rows, *, note: str = "", widths=None) -> str:
    """An explorer's readout that keeps its height whatever the knobs show.

    Three parts, each of a fixed height: ``status`` (one line: what is shown), a table of
    numbers (``header`` and ``rows`` as in :func:`html_table`; every cell and header on one
    line, columns of fixed ``widths`` in characters, so no value can wrap or widen it), and
    ``note`` (one line, empty when there is nothing to add: a caveat such as "mean over
    random bases of a split cluster").

    Parameters
    ----------
    status : str (HTML)
        The status line.
    header : sequence of str (HTML)
        Column titles, one per column.
    rows : sequence of sequences of str (HTML)
        The rows' cells, each row as long as ``header``.
    note : str (HTML), default=""
        The note line.
    widths : sequence of float, optional
        Column widths in ``ch`` (width of a digit); default from the longest header and
        cell text of each column, plus two.

    Returns
    -------
    str
        A ``<div>`` holding the status line, the table and the note line.
    """
    header = list(header)
    rows = [list(r) for r in rows]
    if any(len(r) != len(header) for r in rows):
        raise ValueError(f"every row needs {len(header)} cells (one per header), got "
                         f"{sorted({len(r) for r in rows})}")
    if widths is None:
        widths = [max([len(_plain(h))] + [len(_plain(r[n])) for r in rows]) + 2
                  for n, h in enumerate(header)]
    cols = "".join(f"<col style='width:{w}ch'>" for w in widths)
    first = _CELL.replace("right", "left") + "white-space:nowrap;overflow:hidden;"
    other = _CELL + "white-space:nowrap;overflow:hidden;"
    head = "".join(f"<th style='{first if n == 0 else other}'>{h}</th>"
                   for n, h in enumerate(header))
    body = "".join("<tr>" + "".join(f"<td style='{first if n == 0 else other}'>{c}</td>"
                                    for n, c in enumerate(row)) + "</tr>" for row in rows)
    table = (f"<table style='border-collapse:collapse;table-layout:fixed;"
             f"width:{sum(widths)}ch;font-size:90%;margin:2px 0'><colgroup>{cols}</colgroup>"
             f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    return ("<div style='max-width:100%;overflow:hidden'>" + _line(status) + table
            + _line(note, "font-size:90%;color:#555;") + "</div>")


def offline_text(class_name: str) -> str:
    """What a viewer without a kernel shows in place of an explorer (a sentence).

    Parameters
    ----------
    class_name : str
        The explorer's class name in CamelCase (``"MixingExplorer"`` reads "mixing
        explorer").

    Returns
    -------
    str
        The sentence, in square brackets.
    """
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", class_name).lower()
    return (f"[Interactive {words}: it needs a running Python kernel. Open this notebook in "
            "JupyterLab (python3 tasks.py lab) and run it from the top; the static figure "
            "after this cell shows the same numbers.]")


class ExplorerBox(ipywidgets.VBox):
    """An explorer's container; without a live kernel it reads as a sentence, not a repr."""

    offline_text = "[Interactive explorer: it needs a running Python kernel.]"

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle:
            bundle["text/plain"] = self.offline_text
        return bundle


__all__ = ["EXPLORER_DPI", "Explorer", "ExplorerBox", "html_table", "interactive_canvas",
           "offline_text", "readout_html"]
