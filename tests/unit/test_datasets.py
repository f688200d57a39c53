"""Tests of contexture_lab.datasets helpers."""

import numpy as np
import scipy.sparse as sp

import contexture_lab as cl


def test_graph_layout_is_seeded_and_reads_sparse_graphs():
    W = cl.datasets.ring_graph(12)
    pos = cl.datasets.graph_layout(W, seed=3)
    assert pos.shape == (12, 2) and np.all(np.isfinite(pos))
    np.testing.assert_array_equal(pos, cl.datasets.graph_layout(W, seed=3))
    np.testing.assert_array_equal(pos, cl.datasets.graph_layout(sp.csr_matrix(W), seed=3))
    assert not np.allclose(pos, cl.datasets.graph_layout(W, seed=4))
    # a spring layout of a ring keeps neighbours closer than opposite nodes
    d = np.linalg.norm(pos - np.roll(pos, 1, axis=0), axis=1)
    opposite = np.linalg.norm(pos - np.roll(pos, 6, axis=0), axis=1)
    assert d.max() < opposite.min()
