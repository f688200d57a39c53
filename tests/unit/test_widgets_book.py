"""The book's export of an explorer (contexture_lab.widgets.book) on a toy explorer whose
panels depend on known controls: every grid point's readout and pixels come back from
the stored data, and each panel is stored once per value of the controls it depends on."""

import ast
import builtins
import itertools
import json
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("ipywidgets")

import ipywidgets

from contexture_lab.widgets import book
from contexture_lab.widgets.base import Explorer


class Toy(Explorer):
    """Left panel: a line whose slope is ``a``; right panel: a bar of height ``b``; the
    readout names both; ``b`` is disabled when ``mode`` is "off"."""

    def __init__(self):
        controls = {
            "a": ipywidgets.SelectionSlider(options=[1, 2, 3], value=2, description="a"),
            "b": ipywidgets.SelectionSlider(options=[("low", 0.25), ("high", 0.75)],
                                            value=0.25, description="b"),
            "mode": ipywidgets.ToggleButtons(options=["on", "off"], value="on"),
        }
        super().__init__(controls, figsize=(4, 2))

    def _setup(self, figure):
        left, right = figure.subplots(1, 2)
        x = np.linspace(0, 1, 20)
        self.x = x
        self.line, = left.plot(x, x)
        left.set_ylim(0, 3)
        self.bar, = right.plot([0, 0], [0, 0.5], lw=8)
        right.set_ylim(0, 1)
        right.set_xlim(-1, 1)
        figure.tight_layout()
        self.animated = [self.line, self.bar]

    def _redraw(self, a, b, mode):
        self.line.set_ydata(a * self.x)
        self.bar.set_ydata([0, b])
        self.controls["b"].disabled = mode == "off"
        return f"a = {a}, b = {b:.2f}"


def load(path):
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(r"= Object\.assign\((\{.*\}), \{base:", text, re.DOTALL).group(1))


def look(data, item, state):
    names = [c["name"] for c in data["controls"]]
    key = ",".join(str(state[names.index(n)]) for n in item["controls"])
    return item["values"][item["table"][key]]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("explorers")
    result = book.export_explorer("toy", out, explorer=Toy())
    return out, result, load(result.data_file)


def test_controls_are_the_widgets(exported):
    _, result, data = exported
    assert [c["name"] for c in data["controls"]] == ["a", "b", "mode"]
    assert [c["kind"] for c in data["controls"]] == ["slider", "slider", "toggle"]
    assert data["controls"][1]["labels"] == ["low", "high"]
    assert data["controls"][1]["values"] == [0.25, 0.75]
    assert [c["index"] for c in data["controls"]] == [1, 0, 0]   # where the widget starts
    assert result.n_states == 3 * 2 * 2


def test_each_part_is_keyed_by_the_controls_it_depends_on(exported):
    _, result, data = exported
    assert data["readout"]["controls"] == ["a", "b"]
    assert data["disabled"]["controls"] == ["mode"]
    assert data["disabled"]["values"] == [[], ["b"]]
    keys = sorted(tuple(r["controls"]) for r in data["regions"])
    assert keys == [("a",), ("b",)], keys
    # one image per value of the control a panel depends on: 3 + 2, not 3 * 2 * 2 each
    assert result.n_images == 5


def test_every_grid_point_comes_back_as_the_explorer_shows_it(exported):
    from PIL import Image

    out, _, data = exported
    ex = book.prepare(Toy())
    names = [c["name"] for c in data["controls"]]
    for state in itertools.product(range(3), range(2), range(2)):
        ex.update(**{n: book.control_options(ex.controls[n])[i][1]
                     for n, i in zip(names, state)})
        assert look(data, data["readout"], state) == ex.readout.value
        pixels = book.frame(ex)
        shown = np.zeros_like(pixels)
        for region in data["regions"]:
            image = np.asarray(Image.open(out / "toy" / look(data, region, state)))
            x, y, w, h = (region[k] for k in "xywh")
            shown[y:y + h, x:x + w] = image
        assert (shown == pixels).all(), state


class Plain(Toy):
    """The toy without blitting: each step asks for a full redraw."""

    def _setup(self, figure):
        super()._setup(figure)
        self.animated = []


def test_an_explorer_that_does_not_blit_is_drawn_at_every_step(tmp_path):
    result = book.export_explorer("plain", tmp_path, explorer=Plain())
    data = load(result.data_file)
    assert sorted(tuple(r["controls"]) for r in data["regions"]) == [("a",), ("b",)]
    plain = book.prepare(Plain())
    assert not plain.blits and book.prepare(Toy()).blits
    frames = []
    for a, b in ((1, 0.25), (3, 0.75)):
        frames.append(book.frame(plain.update(a=a, b=b)))
        fresh = book.prepare(Plain().update(a=a, b=b))    # drawn once, at that state
        assert (frames[-1] == book.frame(fresh)).all()
    assert (frames[0] != frames[1]).any()


def test_regions_tile_the_figure(exported):
    _, _, data = exported
    cover = np.zeros((data["height"], data["width"]), dtype=int)
    for r in data["regions"]:
        cover[r["y"]:r["y"] + r["h"], r["x"]:r["x"] + r["w"]] += 1
    assert (cover == 1).all()
    assert data["width"] == 4 * 72 * book.SCALE and data["height"] == 2 * 72 * book.SCALE


@pytest.mark.parametrize("values, expected", [
    (["x"] * 4, ()),                      # constant: no control
    (["p", "q", "p", "q"], (1,)),         # the second control only
    (["p", "p", "q", "q"], (0,)),         # the first only
    (["p", "q", "q", "p"], (0, 1)),       # both
])
def test_smallest_key(values, expected):
    states = [(0, 0), (0, 1), (1, 0), (1, 1)]
    subset, table = book.smallest_key(states, values, ["u", "v"])
    assert subset == expected
    for state, value in zip(states, values):
        assert table[",".join(str(state[p]) for p in subset)] == value


def test_unknown_notebook_and_control_kinds_are_refused():
    with pytest.raises(ValueError, match="notebook='99_none'"):
        book.book_explorer("99_none")

    class Free(Toy):
        def __init__(self):
            Explorer.__init__(self, {"a": ipywidgets.FloatSlider(value=1.0)}, figsize=(2, 2))

        def _setup(self, figure):
            figure.subplots()

        def _redraw(self, a):
            return ""

    with pytest.raises(TypeError, match="control 'a' is a FloatSlider"):
        book.describe_controls(Free())


# ------------------------------------------------------------ the book opens as the notebook
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def _statements(stem):
    """The top-level statements of a notebook's code cells, in order (magics dropped)."""
    out = []
    for cell in json.loads((NOTEBOOKS / f"{stem}.ipynb").read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            source = "\n".join(line for line in source.splitlines()
                               if not line.lstrip().startswith(("%", "!")))
            out.extend(ast.parse(source).body)
    return out


def _free_names(node):
    bound = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
             and isinstance(n.ctx, ast.Store)} | {a.arg for a in ast.walk(node)
                                                  if isinstance(a, ast.arg)}
    if isinstance(node, ast.Assign):        # what it assigns is not what it needs
        bound -= {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load)} - bound - set(dir(builtins))


def _binds(node):
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, ast.Assign):
        return {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


def _notebook_explorer(stem, name):
    """The explorer notebook ``stem`` opens, built by running only the statements it needs
    (the program slice of ``explorer = cl.widgets.<name>_explorer(...)``)."""
    statements = _statements(stem)
    end = next(i for i, node in enumerate(statements) if isinstance(node, ast.Assign)
               and isinstance(node.value, ast.Call)
               and ast.unparse(node.value.func) == f"cl.widgets.{name}_explorer")
    needed, chosen = _free_names(statements[end]), [statements[end]]
    for node in reversed(statements[:end]):
        if _binds(node) & needed:
            needed = (needed - _binds(node)) | _free_names(node)
            chosen.insert(0, node)
    assert not needed, f"{stem}: no statement before the explorer binds {sorted(needed)}"
    namespace = {}
    exec(compile(ast.Module(chosen, type_ignores=[]), stem, "exec"), namespace)
    return namespace[statements[end].targets[0].id]


@pytest.mark.slow
@pytest.mark.parametrize("stem", sorted(book.BOOK_EXPLORERS))
def test_the_book_opens_each_explorer_where_its_notebook_does(stem):
    """The book builds its explorers in book.py, the notebooks in their own cells: the same
    sweep at the same start, or the page shows another explorer than the notebook."""
    name, build = book.BOOK_EXPLORERS[stem]
    ours, theirs = build(), _notebook_explorer(stem, name)
    assert ours.state == theirs.state
    assert ours.readout.value == theirs.readout.value
