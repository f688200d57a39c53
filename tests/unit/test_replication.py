"""The replication ledger: stored results, verdict rules, and the pipeline on small inputs."""

from pathlib import Path

import numpy as np
import pytest

from contexture_lab import replication as R

ROOT = Path(__file__).resolve().parents[2]


def test_the_ledger_is_what_replicate_writes_from_the_stored_results():
    assert (ROOT / R.LEDGER).read_text() == R.ledger(R.load_results(ROOT))
    assert R.main(["--check"], root=ROOT) == 0


def test_stored_results_carry_data_hashes_code_settings_and_time():
    results = R.load_results(ROOT)
    for name, res in results.items():
        assert res["name"] == name and res["small"] is False
        assert res["settings"] == {**R.PROTOCOLS[name]["settings"], **res["settings"]}
        assert all(len(h) == 64 for h in res["data"]) and res["data"]
        assert len(res["code"]["sources_sha256"]) == 64 and res["seconds"] > 0
        # the stored status is the protocol's rule applied to the stored values
        assert (res["status"], res["reason"]) == R.verdict(name, res["values"])


@pytest.mark.parametrize("values, status", [
    ({"pearson": 0.85, "distance_correlation": 0.80}, "reproduced"),
    ({"pearson": 0.60, "distance_correlation": 0.80}, "partly"),
    ({"pearson": 0.40, "distance_correlation": 0.80}, "not reproduced"),
])
def test_dna_verdict_rule(values, status):
    assert R.verdict("dna", values)[0] == status


def test_the_other_verdict_rules():
    assert R.verdict("panel", {"mean_pearson": 0.5, "median_pearson": 0.5})[0] == "reproduced"
    assert R.verdict("panel", {"mean_pearson": 0.1, "median_pearson": 0.2})[0] == "partly"
    assert R.verdict("panel", {"mean_pearson": -0.1, "median_pearson": 0.2})[0] == "not reproduced"
    falling = {"mae": [0.16, 0.12, 0.09], "mae_sd": [0.01, 0.01, 0.01]}
    assert R.verdict("eigen", falling)[0] == "reproduced"
    assert R.verdict("eigen", {"mae": [0.3, 0.2, 0.1], "mae_sd": [0, 0, 0]})[0] == "partly"
    assert R.verdict("eigen", {"mae": [0.16, 0.15, 0.09], "mae_sd": [0.01, 0.01, 0.01]})[0] \
        == "not reproduced"
    rows = [{"width": w, "cca_r2": c, "mutual_knn": k}
            for w, c, k in [(32, 0.5, 0.5), (128, 0.85, 0.75), (512, 0.6, 0.6)]]
    assert R.verdict("width", {"widths": rows})[0] == "reproduced"
    assert R.verdict("width", {"widths": rows[:2]})[0] == "partly"
    assert R.verdict("ushape", {"u_shaped": 4})[0] == "reproduced"
    assert R.verdict("ushape", {"u_shaped": 1})[0] == "not reproduced"
    mnist = {"ratios": [0.5, 0.2, 0.05], "err_star": [0.3, 0.2, 0.1], "err_star_std": [.01] * 3}
    assert R.verdict("mnist", mnist)[0] == "reproduced"
    mnist["err_star"] = [0.3, 0.105, 0.1]
    assert R.verdict("mnist", mnist)[0] == "partly"
    mnist["err_star"] = [0.3, 0.05, 0.1]
    assert R.verdict("mnist", mnist) == ("not reproduced", "ratio 0.2 has the lowest err_d*, not 0.05")


def test_table1_contexts_are_35_of_each_type_on_the_full_grid():
    X = np.random.default_rng(0).normal(size=(90, 4))
    ctxs = R.table1_contexts(X, 6, n_masks=2, rate=0.25)
    names = [c.name for c in ctxs]
    assert len(ctxs) == 24
    assert [n.split(" (")[0] for n in names] == ["rbf"] * 6 + ["knn"] * 6 + \
        ["masked rbf"] * 6 + ["masked knn"] * 6
    ks = [int(n.split("k=")[1].split(")")[0].split(",")[0]) for n in names[6:12]]
    assert ks == sorted(set(ks)) and ks[0] == 1 and ks[-1] <= 45


def test_ritz_values_of_the_exact_functions_are_the_exact_eigenvalues():
    from contexture_lab import contexts, evaluation

    X = np.random.default_rng(1).normal(size=(60, 3))
    ctx = contexts.knn(X, 6)
    s, left = evaluation.gram_spectrum(ctx, 10)
    lam, _ = R.ritz(ctx, left[:, :5] @ np.random.default_rng(2).normal(size=(5, 5)) + 3.0, 5)
    np.testing.assert_allclose(lam, s[:5] ** 2, atol=1e-10)
    # Ritz values on a wider random span never exceed the exact ones (interlacing)
    lam, _ = R.ritz(ctx, np.random.default_rng(3).normal(size=(60, 20)), 5)
    assert np.all(lam <= s[:5] ** 2 + 1e-12)


@pytest.mark.parametrize("name", sorted(R.PROTOCOLS))
def test_the_pipeline_on_small_inputs(name, tmp_path):
    res = R.run(name, small=True, root=ROOT)
    assert res["small"] is True and res["status"] in ("reproduced", "partly", "not reproduced")
    assert R.lab_value(name, res["values"])
    path = R.store(res, tmp_path)
    assert R.load_results(tmp_path)[name]["status"] == res["status"]
    text = R.ledger(R.load_results(tmp_path))
    assert f"replicate --run {name}" in text and path.exists()


def test_check_fails_when_the_ledger_differs(tmp_path, capsys):
    import shutil

    shutil.copytree(ROOT / R.RESULTS_DIR, tmp_path / R.RESULTS_DIR)
    (tmp_path / R.LEDGER).write_text("# edited by hand\n")
    assert R.main(["--check"], root=tmp_path) == 1
    assert "differs" in capsys.readouterr().out
    assert R.main([], root=tmp_path) == 0                  # rewrites it
    assert R.main(["--check"], root=tmp_path) == 0
    assert (tmp_path / R.LEDGER).read_text() == (ROOT / R.LEDGER).read_text()
