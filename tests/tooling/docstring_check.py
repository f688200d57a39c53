"""A numpydoc check of the package's public API, read from the source with :mod:`ast`.

numpydoc's own validator is not in the environment, so this module checks the part of its
rules that the lab keeps (the issue's "docs that are checked"):

- every public function, class and method has a docstring;
- a callable with parameters has a ``Parameters`` section whose names are exactly the
  signature's (``self``/``cls`` left out; ``*args``/``**kwargs`` by those names), in order;
- a class documents its constructor's parameters (``__init__``, dataclass or NamedTuple
  fields) in ``Parameters`` (or ``Attributes`` for a result record);
- a callable that returns a value has a ``Returns`` (or ``Yields``) section;
- every entry is written ``name : type``, and a parameter with a default says so in its
  type: ``default=...`` or ``optional`` (numpydoc's two spellings);
- one style: an entry's description sits on the lines below it, indented, never after the
  type on the same line (``x : int   the count``).

Public: a name in a module's ``__all__`` (or, without ``__all__``, not starting with ``_``)
that the module defines itself, in a module whose path has no part starting with ``_``.
Methods: the public ones of public classes (properties and dunders left out).

``python tests/tooling/docstring_check.py`` prints the coverage and every problem (exit
status 1 when there is one); ``tests/tooling/test_docstrings.py`` fails on any problem.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "contexture_lab"

_SECTION = re.compile(r"^(\s*)([A-Z][A-Za-z ]+)\n\1-{3,}\s*$", re.M)
_INLINE_DESCRIPTION = re.compile(r"\S {3,}\S")
_ENTRY = re.compile(r"^(\*{0,2}[A-Za-z_][\w]*(?:\s*,\s*\*{0,2}[A-Za-z_]\w*)*)(\s*:\s*(.*))?$")


@dataclass
class Item:
    """One public callable and what its docstring lacks."""

    module: str
    qualname: str
    kind: str                                  # "function", "class" or "method"
    has_params: bool
    problems: list[str] = field(default_factory=list)

    @property
    def name(self):
        return f"{self.module}.{self.qualname}"


def sections(doc: str) -> dict[str, list[tuple[str, str]]]:
    """``{title: [(names, type), ...]}`` of a numpydoc docstring's sections.

    Entries are the lines at the section's own indentation (descriptions are indented
    further); ``type`` is ``None`` for an entry written without `` : ``.
    """
    doc = "\n".join(line.rstrip() for line in doc.expandtabs().splitlines())
    found = {}
    heads = list(_SECTION.finditer(doc))
    for i, head in enumerate(heads):
        indent = len(head.group(1))
        end = heads[i + 1].start() if i + 1 < len(heads) else len(doc)
        body = doc[head.end():end].splitlines()
        entries = []
        for line in body:
            if not line.strip():
                continue
            lead = len(line) - len(line.lstrip())
            if lead == indent:
                entries.append(line.strip())
        found[head.group(2).strip()] = entries
    return found


def _entry_names(entry: str):
    m = _ENTRY.match(entry)
    if not m:
        return None, None
    names = [n.strip() for n in m.group(1).split(",")]
    return names, (m.group(3) if m.group(2) else None)


def _signature(args: ast.arguments, *, drop_first: bool):
    """``[(name, has_default)]`` of a signature, ``*args``/``**kwargs`` with their stars."""
    positional = [*args.posonlyargs, *args.args]
    defaults = [False] * (len(positional) - len(args.defaults)) + [True] * len(args.defaults)
    out = list(zip([a.arg for a in positional], defaults))
    if drop_first and out:
        out = out[1:]
    if args.vararg:
        out.append(("*" + args.vararg.arg, False))
    out += [(a.arg, d is not None) for a, d in zip(args.kwonlyargs, args.kw_defaults)]
    if args.kwarg:
        out.append(("**" + args.kwarg.arg, False))
    return out


def _returns_value(node) -> bool:
    """Whether a function body returns or yields a value (nested functions left out)."""
    stack = list(node.body)
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(n, ast.Return) and n.value is not None and not (
                isinstance(n.value, ast.Constant) and n.value.value is None):
            return True
        if isinstance(n, (ast.Yield, ast.YieldFrom)):
            return True
        stack.extend(ast.iter_child_nodes(n))
    return False


def _is_overload_or_property(node) -> bool:
    for d in node.decorator_list:
        name = d.attr if isinstance(d, ast.Attribute) else getattr(d, "id", "")
        if name in {"property", "overload", "cached_property", "setter"}:
            return True
        if isinstance(d, ast.Attribute) and d.attr in {"setter", "deleter"}:
            return True
    return False


def _check_params(doc_sections, sig, problems, *, allow_attributes=False):
    titles = ["Parameters"] + (["Attributes"] if allow_attributes else [])
    entries = next((doc_sections[t] for t in titles if t in doc_sections), None)
    if entries is None:
        problems.append("no Parameters section")
        return
    documented, types = [], {}
    for entry in entries:
        names, typ = _entry_names(entry)
        if names is None:
            problems.append(f"entry not written 'name : type': {entry!r}")
            continue
        for n in names:
            documented.append(n)
            types[n] = typ
    wanted = [n for n, _ in sig]
    bare = {n.lstrip("*"): n for n in wanted}
    documented = [bare.get(n.lstrip("*"), n) for n in documented]
    missing = [n for n in wanted if n not in documented]
    extra = [n for n in documented if n not in wanted]
    if missing:
        problems.append(f"parameters not documented: {missing}")
    if extra:
        problems.append(f"documented but not in the signature: {extra}")
    if not missing and not extra and [n for n in documented if n in wanted] != wanted:
        problems.append(f"parameters documented out of order: {documented} vs {wanted}")
    for n, has_default in sig:
        typ = types.get(n)
        if n not in documented:
            continue
        if typ is None:
            problems.append(f"parameter {n!r} has no type ('{n} : type')")
        elif _INLINE_DESCRIPTION.search(typ):
            problems.append(f"parameter {n!r} has its description on the type line (put it "
                            "on the next line, indented)")
        elif has_default and "default" not in typ and "optional" not in typ:
            problems.append(f"parameter {n!r} has a default its type does not mention "
                            "('default=...' or 'optional')")


def _check_callable(node, item: Item, *, method: bool):
    sig = _signature(node.args, drop_first=method and not any(
        getattr(d, "id", "") == "staticmethod" for d in node.decorator_list))
    item.has_params = bool(sig)
    doc = ast.get_docstring(node)
    if not doc:
        item.problems.append("no docstring")
        return
    found = sections(doc)
    if sig:
        _check_params(found, sig, item.problems)
    if node.name != "__init__" and _returns_value(node) and not (
            "Returns" in found or "Yields" in found):
        item.problems.append("no Returns section")


def _class_fields(node: ast.ClassDef):
    """The constructor's parameters: ``__init__``'s, else dataclass/NamedTuple fields."""
    for n in node.body:
        if isinstance(n, ast.FunctionDef) and n.name == "__init__":
            return _signature(n.args, drop_first=True), False
    bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
    decorators = {getattr(d, "id", getattr(getattr(d, "func", None), "id", "")) for d in
                  node.decorator_list} | {getattr(d, "attr", "") for d in node.decorator_list}
    if "NamedTuple" in bases or "dataclass" in decorators:
        fields = [(n.target.id, n.value is not None) for n in node.body
                  if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
                  and "ClassVar" not in ast.unparse(n.annotation)]
        return fields, True
    return None, False


def _check_class(node: ast.ClassDef, item: Item):
    fields, record = _class_fields(node)
    item.has_params = bool(fields)
    doc = ast.get_docstring(node)
    if not doc:
        item.problems.append("no docstring")
        return
    if fields:
        _check_params(sections(doc), fields, item.problems, allow_attributes=record)


def _public_names(tree: ast.Module):
    for n in tree.body:
        if isinstance(n, (ast.Assign, ast.AugAssign)):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            if any(getattr(t, "id", None) == "__all__" for t in targets):
                try:
                    value = ast.literal_eval(n.value)
                except ValueError:
                    continue
                yield from value


def module_items(path: Path) -> list[Item]:
    """The public callables of one module file and their problems."""
    rel = path.relative_to(ROOT).with_suffix("")
    module = ".".join(p for p in rel.parts if p != "__init__")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    exported = set(_public_names(tree))
    items = []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            continue
        public = node.name in exported if exported else not node.name.startswith("_")
        if not public:
            continue
        if isinstance(node, ast.FunctionDef):
            item = Item(module, node.name, "function", False)
            _check_callable(node, item, method=False)
            items.append(item)
            continue
        item = Item(module, node.name, "class", False)
        _check_class(node, item)
        items.append(item)
        for sub in node.body:
            if (isinstance(sub, ast.FunctionDef) and not sub.name.startswith("_")
                    and not _is_overload_or_property(sub)):
                m = Item(module, f"{node.name}.{sub.name}", "method", False)
                _check_callable(sub, m, method=True)
                items.append(m)
    return items


def public_modules(package: Path = PACKAGE):
    """Every module file of the package whose path has no part starting with ``_``."""
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).with_suffix("").parts
        if any(p.startswith("_") and p != "__init__" for p in parts):
            continue
        yield path


def all_items(package: Path = PACKAGE) -> list[Item]:
    return [item for path in public_modules(package) for item in module_items(path)]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    items = all_items()
    ok = [i for i in items if not i.problems]
    with_params = [i for i in items if i.has_params]
    sectioned = [i for i in with_params
                 if not any(p.startswith(("no Parameters", "no docstring")) for p in i.problems)]
    print(f"{len(ok)}/{len(items)} public callables pass ({100 * len(ok) / len(items):.0f} %); "
          f"{len(sectioned)}/{len(with_params)} with parameters have a Parameters section "
          f"({100 * len(sectioned) / max(len(with_params), 1):.0f} %)")
    if "-q" not in argv:
        for i in items:
            for p in i.problems:
                print(f"{i.name}: {p}")
    return 0 if len(ok) == len(items) else 1


if __name__ == "__main__":
    raise SystemExit(main())
