"""Every benchmark number that README.md and docs/INSTRUCTORS.md quote equals the one that
``benchmarks/quoted_numbers.py`` generates from ``benchmarks/RESULTS.md``."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import quoted_numbers  # noqa: E402


def test_quoted_numbers_match_results():
    problems = quoted_numbers.check()
    assert not problems, ("the documents quote numbers that benchmarks/RESULTS.md does not "
                          "give; run `python benchmarks/quoted_numbers.py --write`:\n"
                          + "\n".join(problems))


def test_every_passage_is_quoted_somewhere():
    text = "".join(p.read_text(encoding="utf-8") for p in quoted_numbers.DOCUMENTS)
    for name in quoted_numbers.passages(quoted_numbers.results()):
        assert f"<!-- benchmarks:{name} -->" in text


def test_generator_reads_the_tables(tmp_path):
    """The passages follow RESULTS.md: a changed cell changes the quote."""
    results = tmp_path / "RESULTS.md"
    results.write_text(
        "## Notebooks, run top to bottom\n\n"
        "| notebook | code cells | run time (s) | peak memory (MB) | under 1.5 GB |\n"
        "|---|---:|---:|---:|---|\n"
        "| `00_a` | 1 | 2.5 | 1,450 | yes |\n| `01_b` | 1 | 10.0 | 300 | yes |\n\n"
        "## Explorer step latency\n\n"
        "| explorer | steps | median (ms) | p95 (ms) | set-up (s) | set-up CPU (s) |\n"
        "|---|---:|---:|---:|---:|---:|\n| mixing | 50 | 8.0 | 21.0 | 1 | 1 |\n\n"
        "## Import time\n\n| import contexture_lab | median of 5 (ms) | min (ms) | x |\n"
        "|---|---:|---:|---|\n| fresh interpreter | 1250 | 1200 | none |\n")
    r = quoted_numbers.results(results)
    assert quoted_numbers.passages(r) == {
        "notebooks": "every notebook (00-01) runs top to bottom in 2.5-10.0 s with a peak of "
                     "at most 1,450 MB (Binder gives 2 GB)",
        "explorers": "a slider step of the mixing explorers takes 8.0 ms (median of 50 steps, "
                     "compute + redraw; p95 under 25 ms)",
        "import": "`import contexture_lab` takes about 1.2 s"}
    assert quoted_numbers.notebook_cells(*r["notebooks"]["00_a"]) == ("3 s", "1.5 GB")
