"""Fixtures shared by the unit tests of the plotting layer."""

import matplotlib.pyplot as plt
import pytest

import contexture_lab as cl


@pytest.fixture
def lab_style():
    """The lab's figure style for one test; its figures are closed afterwards. Figure tests
    use it on every test: ``pytestmark = pytest.mark.usefixtures("lab_style")``."""
    with cl.plotting.lab_style():
        yield
    plt.close("all")
