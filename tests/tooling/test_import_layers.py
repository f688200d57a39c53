"""The package's imports point down only: no import cycle, no import from a higher layer.

Every import in every module counts, the ones inside functions too (a lazy import only
moves a cycle from import time to call time), and so does ``importlib.import_module`` with
a literal name. Layers, lowest first (``/work/shared/DESIGN.md``): base (private helpers,
``device``, ``degeneracy``), core (the other top-level modules and ``datasets``), then
``explore`` and ``pretrained``, then ``plotting``, ``widgets`` and ``exercises``; the face
``contexture_lab/__init__.py`` may import anything.
"""

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "contexture_lab"

BASE = {"_cache", "_config", "_linalg", "_progress", "_threads", "_validation", "device",
        "degeneracy"}
LAYER = {"base": 0, "core": 1, "explore": 2, "pretrained": 2, "plotting": 3, "widgets": 3,
         "exercises": 3}

#: Imports that point up, each allowed for a reason; the test also checks each is still there
#: and is inside a function (never run at import time).
ALLOWED_UP = {
    # ``ctx.contexture(d)`` of the public contract delegates to spectrum, which builds on
    # Context: the one method of Context that needs a module above it.
    ("contexture_lab.context", "contexture_lab.spectrum"),
}

#: Modules that import by a computed name: the lazy faces of packages (names listed in the
#: module) and the exercise registry (which loads the banks that register themselves).
DYNAMIC = {"contexture_lab", "contexture_lab.explore", "contexture_lab.plotting",
           "contexture_lab.widgets", "contexture_lab.exercises.registry"}


def _modules():
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        out[".".join(parts)] = (path, is_package)
    return out


MODULES = _modules()


def _imports(name):
    """(target module, at top level?) for each package import of ``name``; and whether
    it calls ``importlib.import_module`` with a computed name."""
    path, is_package = MODULES[name]
    package = name if is_package else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found, dynamic = set(), False

    def add(target, node):
        if target in MODULES and target != name:
            found.add((target, id(node) in top))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:        # ``from . import x`` may name a module
                sub = f"{target}.{alias.name}"
                add(sub if sub in MODULES else target, node)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "import_module" and node.args):
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                add(arg.value, node)
            else:
                dynamic = True
    return found, dynamic


GRAPH = {name: _imports(name) for name in MODULES}


def _layer(name):
    parts = name.split(".")
    if len(parts) == 1:
        return None                                  # the face
    if len(parts) == 2 and parts[1] in BASE:
        return LAYER["base"]
    return LAYER.get(parts[1], LAYER["core"])


def _edges():
    return {(a, b) for a, (targets, _) in GRAPH.items() for b, _ in targets}


def _cycles(edges):
    """Strongly connected components with more than one module (Tarjan)."""
    succ = {name: sorted(b for a, b in edges if a == name) for name in MODULES}
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(MODULES)))
    try:
        for name in sorted(MODULES):
            if name not in index:
                visit(name)
    finally:
        sys.setrecursionlimit(limit)
    return found


def test_the_walk_sees_function_level_imports():
    # attention's stack composes layer contexts with mixing.convolve; context's method
    # imports spectrum inside the function
    assert ("contexture_lab.mixing", True) in GRAPH["contexture_lab.attention"][0]
    assert ("contexture_lab.spectrum", False) in GRAPH["contexture_lab.context"][0]
    assert _cycles({("contexture_lab.context", "contexture_lab.spectrum"),
                    ("contexture_lab.spectrum", "contexture_lab.context")}) == [
        ["contexture_lab.context", "contexture_lab.spectrum"]]


def test_no_import_cycle():
    assert _cycles(_edges() - ALLOWED_UP) == []


def test_imports_point_down_only():
    up = sorted((a, b) for a, b in _edges() if _layer(a) is not None
                and _layer(b) is not None and _layer(b) > _layer(a))
    assert up == []


@pytest.mark.parametrize("edge", sorted(ALLOWED_UP))
def test_allowed_exceptions_are_still_needed_and_lazy(edge):
    a, b = edge
    targets = GRAPH[a][0]
    assert (b, False) in targets, f"{a} no longer imports {b}: drop it from ALLOWED_UP"
    assert (b, True) not in targets, f"{a} imports {b} at import time"


def test_computed_imports_only_in_the_package_faces():
    assert {name for name, (_, dynamic) in GRAPH.items() if dynamic} <= DYNAMIC


def test_core_and_base_import_no_display_library():
    for name, (path, _) in MODULES.items():
        if _layer(name) not in (LAYER["base"], LAYER["core"]):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert not roots & {"matplotlib", "ipywidgets", "IPython"}, (name, roots)
