"""contexture_lab._rounding_check: rounding boundaries and thresholds against hand-worked cases."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from contexture_lab import _rounding_check as rc

ROOT = Path(__file__).resolve().parents[2]


def findings(value, spec, **kwargs):
    return rc.rounding_findings(value, spec, **kwargs)


# --------------------------------------------------------------------------- the numerics
def test_a_value_on_the_half_unit_of_its_last_digit_is_reported():
    # 16.8125 is exact in binary; printed with three decimals it is 16.812 or 16.813 by noise
    assert findings(16.8125, ".3f") == [
        "16.8125 printed with '.3f' is 0.0e+00 from the rounding boundary 16.8125"]
    # and 1e-12 of noise either side (the two machines) is still reported
    assert findings(16.8125 + 1e-12, ".3f") and findings(16.8125 - 1e-12, ".3f")
    assert findings(0.125, ".2f") != []          # 12.5 hundredths


def test_a_value_clear_of_its_boundary_is_not():
    assert findings(16.8126, ".3f") == []        # 0.1 of a unit from 16.8125
    assert findings(16.8125, ".4f") == []        # four decimals print it exactly
    assert findings(0.125, ".3f") == []
    # a distance of 2e-9 (twice the tolerance) is clear; 0.5e-9 is not
    assert findings(0.125 + 2e-9, ".2f") == []
    assert findings(0.125 + 0.5e-9, ".2f") != []


def test_the_tolerance_is_relative_to_the_size_of_large_values():
    # 1234567.5 at .0f: the tolerance is 1e-9 * 1234567.5, about 1.2e-3
    assert findings(1234567.5 + 1e-4, ".0f") != []
    assert findings(1234567.5 + 1e-2, ".0f") == []
    assert findings(1234567.5, ",.0f") != []     # grouping does not change the rounding


def test_percentages_round_one_hundred_times_the_value():
    assert findings(0.125, ".0%") == [
        "0.125 printed with '.0%' is 0.0e+00 from the rounding boundary 0.125"]
    assert findings(0.125 + 1e-12, ".0%") != []  # 12.5000000001 %
    assert findings(0.125 - 1e-12, ".0%") != []
    assert findings(0.125, ".1%") == []          # 12.5 % exactly
    assert findings(0.00125, ".2%") != []        # 0.125 %
    assert findings(0.00125, ".1%") == []        # 0.125 % to one decimal: 0.1 %


def test_scientific_and_general_formats_round_significant_digits():
    # .2e keeps three significant digits: 1235 lies between 1.23e3 and 1.24e3
    assert findings(1235.0, ".2e") != []         # 1.235e3: half a unit of 1.23e3 / 1.24e3
    assert findings(1234.0, ".2e") == []
    assert findings(0.0012345, ".4g") != []      # 0.0012345 -> 0.001234 or 0.001235
    assert findings(0.0012346, ".4g") == []
    assert findings(2.5, ".1g") != []            # one significant digit
    assert findings(2.5, "") == []               # no precision: repr, exact
    # the boundary just below a power of ten belongs to the lower decade: 9.995 -> 9.99/10.0
    assert findings(9.995, ".3g") != []
    assert findings(9.995 + 1e-7, ".3g") == []   # the tolerance there is about 1e-8


def test_boundaries_of_significant_digits_by_hand():
    distance, half = rc.boundary_distance([1235.0, 1234.0, 0.0012345], "significant", 3)
    # 1235 with 3 significant digits: unit 10, boundary 1235: distance 0
    assert distance[0] == 0.0 and half[0] == 5.0
    assert distance[1] == pytest.approx(1.0)     # nearest boundary 1235
    assert half[2] == pytest.approx(5e-6)        # unit 1e-5 for 0.00123
    assert distance[2] == pytest.approx(5e-7)    # 0.0012345 to 0.001235 (or 0.001225 + 1e-5)


def test_a_signed_zero_that_noise_decides_is_reported():
    assert findings(-1e-17, ".3f") == [
        "-1e-17 printed with '.3f' shows a sign that noise decides (-0 against 0)"]
    assert findings(0.0, ".3f") == []            # an exact zero prints 0.000 everywhere
    assert findings(3e-33, ".3f") == []          # a positive one prints 0.000 too
    assert findings(-1e-17, "z.3f") == []        # z: no negative zero
    assert findings(-1e-17, ".3f", signed_zero=False) == []


def test_integers_nan_and_infinities_are_exact():
    assert findings(5, ".2f") == []
    assert findings(np.int64(5), ".0f") == []
    assert findings(True, ".0f") == []
    assert findings(float("nan"), ".3f") == []
    assert findings(float("inf"), ".3f") == []
    assert findings(np.array([np.nan, np.inf, 0.1]), ".3f") == []
    assert findings(np.array([np.nan, 0.0625]), ".3f") != []


def test_specs_that_do_not_round_or_print_too_many_digits_are_not_checked():
    assert findings(0.125, "s") == [] and findings(0.125, "10") == []
    assert rc.spec_rounding("d") is None and rc.spec_rounding(".3s") is None
    # .12f: a half-unit of 5e-13 is far below 100 * 1e-9: the check cannot judge it
    assert findings(0.1234567891235, ".12f") == []
    assert rc.spec_rounding(">10,.2f") == ("fixed", 2, 1.0)
    assert rc.spec_rounding("+.3e") == ("significant", 4, 1.0)
    assert rc.spec_rounding(".0g") == ("significant", 1, 1.0)
    assert rc.spec_rounding(".1%") == ("fixed", 1, 100.0)


def test_arrays_report_how_many_elements_sit_on_a_boundary():
    found = findings(np.array([0.0625, 0.3, 0.1875 + 1e-13]), ".3f")
    assert found == ["0.0625 printed with '.3f' is 0.0e+00 from the rounding boundary 0.0625 "
                     "(2 of 3 elements)"]
    assert findings(np.float32(0.125), ".2f") != []     # float32 0.125 is exact


def test_a_float_comparison_with_an_element_on_its_threshold_is_reported():
    a = np.array([0.5, 0.2 + 1e-12, 0.7, 0.2 - 1e-13])
    count, total, first, threshold = rc.near_threshold(a, 0.2)
    assert (count, total, threshold) == (2, 4, 0.2)
    assert first == 0.2 + 1e-12
    assert rc.near_threshold(np.array([0.5, 0.21]), 0.2)[0] == 0
    # relative to the larger side: 1e6 + 1e-4 is within 1e-9 * 1e6 = 1e-3 of 1e6
    assert rc.near_threshold(np.array([1e6 + 1e-4]), 1e6)[0] == 1
    # two arrays, broadcast
    assert rc.near_threshold(np.array([[0.3], [0.1]]), np.array([0.3, 0.2]))[:2] == (1, 4)


def test_exact_comparisons_are_skipped():
    assert rc.near_threshold(np.arange(5), 2) is None            # integer array
    assert rc.near_threshold(np.array([True, False]), 0) is None
    assert rc.near_threshold(0.2 + 1e-12, 0.2) is None          # two Python scalars
    # an exact integer value on an integer threshold (W > 0 with exact zeros)
    assert rc.near_threshold(np.array([0.0, 1.0, 0.5]), 0)[0] == 0
    assert rc.near_threshold(np.array([1e-17, 0.5]), 0)[0] == 1  # noise around 0 is not
    assert rc.near_threshold(np.array([np.nan, np.inf]), np.inf)[0] == 0


def test_torch_tensors_are_read_like_arrays():
    torch = pytest.importorskip("torch")
    t = torch.tensor([0.2 + 1e-12, 0.5], dtype=torch.float64)
    assert rc.near_threshold(t, 0.2)[0] == 1
    assert rc.near_threshold(torch.arange(3), 1) is None
    assert findings(torch.tensor(0.125, dtype=torch.float64), ".2f") != []


def test_numpy_print_precision_decides_the_spec():
    with np.printoptions(precision=3, suppress=True):
        assert rc.array_print_spec(np.array([0.1, 1e-6])) == ".3f"
    with np.printoptions(precision=4, suppress=False):
        assert rc.array_print_spec(np.array([0.1, 0.5])) == ".4f"
        assert rc.array_print_spec(np.array([0.1, 1e-6])) == ".4e"
    with np.printoptions(floatmode="unique"):
        assert rc.array_print_spec(np.array([0.1])) is None


def test_percent_templates_and_str_format_are_read(monkeypatch, capsys):
    monkeypatch.setenv(rc.CHECK_ROUNDING_ENV, "1")
    rc._report.new_cell()
    assert rc.mod("%5.2f and %d and %s", (0.125, 3, 0.125), "t1") == " 0.12 and 3 and 0.125"
    assert rc.mod("%(a).1f%%", {"a": 0.25}, "t2") == "0.2%"
    rc.call("{:.2f} {x:.2%}".format, "t3")(0.3, x=0.00125)
    rc.call(round, "t4")(2.5)
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "rounding check: t1: 0.125 printed with '.2f' is 0.0e+00 from the rounding boundary 0.125",
        "rounding check: t2: 0.25 printed with '.1f' is 0.0e+00 from the rounding boundary 0.25",
        "rounding check: t3: 0.00125 printed with '.2%' is 0.0e+00 from the rounding boundary "
        "0.00125",
        "rounding check: t4: 2.5 rounded to 0 decimals is 0.0e+00 from the rounding boundary 2.5"]


def test_nothing_is_reported_when_the_check_is_off(monkeypatch, capsys):
    monkeypatch.delenv(rc.CHECK_ROUNDING_ENV, raising=False)
    assert rc.seen(16.8125, ".3f", "x") == 16.8125
    assert rc.compare(np.array([0.2]), ">", 0.2, "y").tolist() == [False]
    assert rc.call(round, "z") is round
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------- the kernel hook
@pytest.fixture
def shell(monkeypatch):
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.setenv(rc.CHECK_ROUNDING_ENV, "1")
    sh = InteractiveShell.instance()
    before = list(sh.ast_transformers)
    assert rc.install(sh)
    sh.run_cell("import numpy as np")
    yield sh
    sh.ast_transformers[:] = before
    sh.events.unregister("pre_run_cell", rc._report.new_cell)
    sh.events.unregister("post_run_cell", rc._report.end_cell)
    sh.display_formatter.formatters["text/plain"].pop(np.ndarray, None)


def run(shell, code, capsys):
    capsys.readouterr()
    result = shell.run_cell(code)
    assert result.error_in_exec is None, result.error_in_exec
    return capsys.readouterr()


def test_the_hook_rewrites_a_cell_without_changing_what_it_prints(shell, capsys):
    out = run(shell, 'x = 16.8125\nprint(f"{x:.3f}", f"{0.3:.3f}", format(0.125, ".2f"))', capsys)
    assert out.out == "16.812 0.300 0.12\n"
    assert out.err.splitlines() == [
        "rounding check: x: 16.8125 printed with '.3f' is 0.0e+00 from the rounding "
        "boundary 16.8125",
        "rounding check: format(0.125, '.2f'): 0.125 printed with '.2f' is 0.0e+00 from the "
        "rounding boundary 0.125"]
    out = run(shell, 'p = 2\nprint(f"{0.3:.{p}f}", round(0.31, 1), "%.1f" % 0.3)', capsys)
    assert (out.out, out.err) == ("0.30 0.3 0.3\n", "")


def test_the_hook_sees_rounding_counts_and_printed_arrays(shell, capsys):
    out = run(shell, "a = np.array([0.5, 0.2 + 1e-12, 0.7])\n"
                     "print((a > 0.2).sum(), (np.arange(3) > 1).sum(), a.round(1))", capsys)
    assert out.out == "3 1 [0.5 0.2 0.7]\n"
    assert out.err.splitlines() == [
        "rounding check: a > 0.2: 1 of 3 compared elements within 1e-09 of the other side "
        "(e.g. 0.20000000000100002 > 0.2): a count or mask on this comparison depends on "
        "rounding noise"]
    out = run(shell, "with np.printoptions(precision=3):\n    print(np.array([0.0625, 1.0]))",
              capsys)
    assert "0.0625 printed with '.3f'" in out.err
    out = run(shell, "with np.printoptions(precision=2):\n    print({'a': [np.array([0.125])]})",
              capsys)
    assert "0.125 printed with '.2f'" in out.err
    out = run(shell, "def f(v):\n    return np.round(v, 2)\nf(np.array([0.125]))", capsys)
    assert "0.125 rounded to 2 decimals" in out.err


def test_package_formatting_goes_through_the_check(monkeypatch, capsys):
    import contexture_lab as cl

    monkeypatch.setenv(rc.CHECK_ROUNDING_ENV, "1")
    rc._report.new_cell()
    cl.evidence.estimate([0.25, 0.25, 0.25]).format(1)      # mean 0.25 at one decimal
    assert "cl.evidence.Estimate.format: 0.25 printed with '.1f'" in capsys.readouterr().err
    cl.plotting.table({"error": [0.125, 0.3]}, digits=2).to_text()
    assert "cl.plotting.table cell: 0.125 printed with '.2f'" in capsys.readouterr().err
    cl.evidence.paired([0.3, 0.5], [0.3 + 1e-13, 0.2])         # a tie, clear of the margin
    assert capsys.readouterr().err == ""
    cl.evidence.paired([0.3, 0.5], [0.3 + cl.evidence.TIE_RTOL, 0.2])   # on the margin
    assert "cl.evidence.paired (wins and losses): 1 of 2 values" in capsys.readouterr().err


def test_the_test_command_turns_the_check_on():
    import tasks

    assert tasks.TEST_ENV[rc.CHECK_ROUNDING_ENV] == "1"


def test_no_stored_notebook_output_holds_a_finding():
    """A notebook re-executed with the check on stores its findings; nbval would then pass."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        for i, cell in enumerate(nb["cells"]):
            for out in cell.get("outputs", []):
                text = "".join(out.get("text", ""))
                assert "rounding check:" not in text, f"{path.name} cell {i}: {text[:200]}"
