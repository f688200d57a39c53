"""contexture_lab.datasets: the built-ins, and the artefact table that the set-up reads too."""

import hashlib
import importlib.util
import tomllib
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import contexture_lab as cl
from contexture_lab.datasets import artefacts

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------- built-ins
def test_graph_layout_is_seeded_and_reads_sparse_graphs():
    W = cl.datasets.ring_graph(12)
    pos = cl.datasets.graph_layout(W, random_state=3)
    assert pos.shape == (12, 2) and np.all(np.isfinite(pos))
    np.testing.assert_array_equal(pos, cl.datasets.graph_layout(W, random_state=3))
    np.testing.assert_array_equal(pos, cl.datasets.graph_layout(sp.csr_matrix(W),
                                                                random_state=3))
    assert not np.allclose(pos, cl.datasets.graph_layout(W, random_state=4))


def test_graph_layout_keeps_ring_neighbours_close():
    W = cl.datasets.ring_graph(12)
    pos = cl.datasets.graph_layout(W, random_state=3)
    # a spring layout of a ring keeps neighbours closer than opposite nodes
    d = np.linalg.norm(pos - np.roll(pos, 1, axis=0), axis=1)
    opposite = np.linalg.norm(pos - np.roll(pos, 6, axis=0), axis=1)
    assert d.max() < opposite.min()
    # a Generator is accepted and is reproducible from its seed
    a = cl.datasets.graph_layout(W, random_state=np.random.default_rng(5))
    np.testing.assert_array_equal(a, cl.datasets.graph_layout(
        W, random_state=np.random.default_rng(5)))


def test_graph_layout_old_seed_name_warns_and_gives_the_same_layout():
    W = cl.datasets.ring_graph(8)
    with pytest.warns(FutureWarning, match="'seed' is renamed 'random_state'"):
        old = cl.datasets.graph_layout(W, seed=3)
    np.testing.assert_array_equal(old, cl.datasets.graph_layout(W, random_state=3))
    with pytest.raises(TypeError, match="random_state"):
        cl.datasets.graph_layout(W, random_state="a")


def test_load_digits_subsample_is_seeded_and_checks_random_state():
    a = cl.datasets.load_digits(50, random_state=2)
    assert a.X.shape == (50, 64) and a.images.shape == (50, 8, 8)
    np.testing.assert_array_equal(a.X, cl.datasets.load_digits(50, random_state=2).X)
    with pytest.raises(TypeError, match="random_state must be"):
        cl.datasets.load_digits(50, random_state="a")


def test_the_package_keeps_every_name_of_the_old_module():
    for name in ("Digits", "load_digits", "karate_club", "ring_graph", "grid_graph",
                 "swiss_roll", "graph_layout"):
        assert getattr(cl.datasets, name) is getattr(cl.datasets.builtin, name)


# ---------------------------------------------------------------------- artefact table
def test_sha256_file_is_hashlib_s(tmp_path):
    path = tmp_path / "blob.bin"
    blob = bytes(range(256)) * 9000          # more than one 1 MiB block
    path.write_bytes(blob)
    assert artefacts.sha256_file(path) == hashlib.sha256(blob).hexdigest()


def test_the_table_has_every_column_and_well_formed_hashes():
    table = artefacts.table()
    for row in table["source"].values():
        assert {"package", "archive", "sha256", "form", "folder"} <= set(row)
        assert row["form"] in ("sdist", "wheel") and "==" in row["package"]
    for file_id, row in table["file"].items():
        assert {"source", "name", "member", "sha256"} <= set(row), file_id
        assert row["source"] in table["source"]
        assert isinstance(row["member"], list) and row["member"]
    for row in table["model"].values():
        assert {"distribution", "file", "sha256", "kind", "description"} <= set(row)
    hashes = [row["sha256"] for part in table.values() for row in part.values()]
    assert all(len(h) == 64 and set(h) <= set("0123456789abcdef") for h in hashes)


def test_tasks_py_and_the_package_read_the_same_table():
    spec = importlib.util.spec_from_file_location("tasks_artefacts", ROOT / "tasks.py")
    tasks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tasks)
    assert tasks.ARTEFACTS.resolve() == artefacts.TABLE.resolve()
    assert tasks.artefact_table() == artefacts.table()
    with open(artefacts.TABLE, "rb") as handle:
        assert tomllib.load(handle)["file"] == artefacts.table()["file"]
    # the pretrained tables are rows of it
    from contexture_lab import pretrained as pt

    assert {name: (s.distribution, s.filename, s.sha256) for name, s in pt.MODELS.items()} \
        == {name: (r["distribution"], r["file"], r["sha256"])
            for name, r in artefacts.table()["model"].items()}
    assert sorted(sha for _, sha in pt.CORPUS_FILES.values()) == sorted(
        r["sha256"] for r in artefacts.table()["file"].values() if r["source"] == "vader")


def test_tasks_read_member_opens_nested_archives(tmp_path):
    import io
    import tarfile
    import zipfile

    spec = importlib.util.spec_from_file_location("tasks_members", ROOT / "tasks.py")
    tasks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tasks)
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as box:
        box.writestr("data/table.csv", "a,b\n1,2\n")
    outer = tmp_path / "pkg-1.0.tar.gz"
    with tarfile.open(outer, "w:gz") as box:
        info = tarfile.TarInfo("pkg-1.0/inner.whl")
        info.size = len(inner.getvalue())
        box.addfile(info, io.BytesIO(inner.getvalue()))
    assert tasks.read_member(outer, ["pkg-1.0/inner.whl", "data/table.csv"]) == b"a,b\n1,2\n"


def test_artefact_path_checks_the_hash(tmp_path, monkeypatch):
    monkeypatch.setenv("CONTEXTURE_LAB_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="data file 'vader-tweets'.*tasks.py"):
        artefacts.artefact_path("vader-tweets")
    (tmp_path / "vader").mkdir()
    (tmp_path / "vader" / "tweets_GroundTruth.txt").write_text("edited\n")
    with pytest.raises(artefacts.HashMismatchError, match="expected dfbe7102"):
        artefacts.artefact_path("vader-tweets")
    with pytest.raises(ValueError, match="unknown artefact 'wiki'"):
        artefacts.artefact_path("wiki")


