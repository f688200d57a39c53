"""The second half of the browser walk (notebooks 07-13): ``test_browser.py``'s walk, in a
file of its own so that ``tasks.py test``'s two pytest-xdist workers, which take a whole file
each, run the two halves at the same time. Its own server and browser, as the first half's.
"""

from test_browser import (  # noqa: F401 (the fixtures, used by name)
    browser,
    lab,
    page,
    pytestmark,
    walk_through,
    workspace,
)


def test_walk_through_the_second_half(lab, page):  # noqa: F811 (fixture arguments)
    walk_through(lab, page, "second-half")
