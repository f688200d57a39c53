"""The public API's numpydoc sections are checked (see ``docstring_check.py``).

Every public function, class and method needs ``Parameters`` that agree with its signature
and ``Returns`` when it returns a value; any gap fails the test (there is no list of
tolerated gaps: ``python tests/tooling/docstring_check.py`` prints them all).
"""

import docstring_check


def test_public_docstrings_have_numpydoc_sections():
    gaps = sorted(f"{item.name}: {problem}" for item in docstring_check.all_items()
                  for problem in item.problems)
    assert not gaps, ("public docstrings lack numpydoc sections (write them; see "
                      "tests/tooling/docstring_check.py):\n" + "\n".join(gaps))


def test_checker_reads_sections_and_signatures(tmp_path):
    """The checker finds a missing parameter, a stray one, an untyped default and Returns."""
    src = tmp_path / "contexture_lab" / "mod.py"
    src.parent.mkdir()
    src.write_text('''
__all__ = ["good", "bad", "Rec"]
from typing import NamedTuple

def good(x, *, k=3):
    """Good.

    Parameters
    ----------
    x : ndarray, shape (n,)
        Values.
    k : int, default=3
        Count.

    Returns
    -------
    float
    """
    return 1.0

def bad(x, y=None):
    """Bad.

    Parameters
    ----------
    x : float
    z : int
    y : float
    """
    return x

class Rec(NamedTuple):
    """A record.

    Attributes
    ----------
    a : float
    """
    a: float
    b: int
''')
    original = docstring_check.ROOT
    docstring_check.ROOT = tmp_path
    try:
        items = {i.qualname: i.problems for i in
                 docstring_check.module_items(src)}
    finally:
        docstring_check.ROOT = original
    assert items["good"] == []
    assert set(items["bad"]) == {
        "documented but not in the signature: ['z']",
        "parameter 'y' has a default its type does not mention ('default=...' or "
        "'optional')",
        "no Returns section"}
    assert items["Rec"] == ["parameters not documented: ['b']"]


def test_checker_wants_descriptions_below_the_type(tmp_path):
    """``x : int   the count`` (a description on the type line) is reported."""
    src = tmp_path / "contexture_lab" / "mod.py"
    src.parent.mkdir()
    src.write_text('''
def f(x, shape):
    """F.

    Parameters
    ----------
    x : int   the count
    shape : tuple of int, shape (n,)  (two spaces: allowed)
    """
''')
    original = docstring_check.ROOT
    docstring_check.ROOT = tmp_path
    try:
        (item,) = docstring_check.module_items(src)
    finally:
        docstring_check.ROOT = original
    assert item.problems == ["parameter 'x' has its description on the type line (put it "
                             "on the next line, indented)"]
