"""contexture_lab.pretrained on the real weights, with tiny inputs (a few sentences)."""

import subprocess
import sys

import numpy as np
import pytest

import contexture_lab as cl
from contexture_lab import pretrained as pt

PAIR = ["A man is playing a guitar.", "A person plays the guitar.",
        "The stock market fell sharply today."]


def _installed(name):
    try:
        pt.model_path(name)
        return True
    except (FileNotFoundError, pt.HashMismatchError):
        return False


needs = {name: pytest.mark.skipif(not _installed(name), reason=f"model {name} not installed "
                                  "(python3 tasks.py test installs it)") for name in pt.MODELS}


def test_import_does_not_load_torch_or_transformers():
    code = ("import sys, contexture_lab, contexture_lab.pretrained; "
            "print('torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="expected the file .*tasks.py"):
        pt.verify_file(tmp_path / "nothing.bin", "0" * 64, "model 'x'")


def test_wrong_hash_is_a_clear_error(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(b"not the pinned weights")
    with pytest.raises(pt.HashMismatchError, match="expected 0{64}"):
        pt.verify_file(path, "0" * 64, "model 'x'")
    assert pt.verify_file(path, pt.sha256_file(path), "model 'x'") == path


def test_uninstalled_model_package_is_a_clear_error(monkeypatch):
    spec = pt.MODELS["minilm-l6"]
    monkeypatch.setitem(pt.MODELS, "minilm-l6", pt.ModelSpec(
        spec.name, "no-such-distribution-xyz", spec.filename, spec.sha256, spec.kind,
        spec.description))
    with pytest.raises(FileNotFoundError, match="no-such-distribution-xyz.*not installed"):
        pt.model_path("minilm-l6")


def test_unknown_model_and_corpus_source():
    with pytest.raises(ValueError, match="unknown model 'bert'"):
        pt.model_path("bert")
    with pytest.raises(ValueError, match="unknown corpus source"):
        pt.load_corpus(sources=["wiki"])


def test_missing_corpus_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("CONTEXTURE_LAB_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="corpus file"):
        pt.load_corpus()


@pytest.mark.skipif(not (pt.corpus_dir() / pt.CORPUS_FILES["tweets"][0]).exists(),
                    reason="corpus not unpacked")
def test_corpus_has_the_published_size_and_rating_range():
    corpus = pt.load_corpus()
    assert len(corpus) == 23_703       # Hutto and Gilbert (2014): 4,200 + 10,605 + 5,190 + 3,708
    assert corpus.ratings.min() >= -4 and corpus.ratings.max() <= 4
    assert dict(zip(*np.unique(corpus.sources, return_counts=True))) == {
        "amazon": 3708, "movie": 10605, "nyt": 5190, "tweets": 4200}
    small = pt.load_corpus(50, random_state=1, max_words=20)
    assert len(small) == 50 and all(len(t.split()) <= 20 for t in small.texts)
    assert small.texts == pt.load_corpus(50, random_state=1, max_words=20).texts


def test_every_old_name_still_works_and_moved_ones_are_the_core_s():
    moved = {"head_context": cl.heads, "head_profiles": cl.heads, "HEAD_KINDS": cl.heads,
             "cooccurrence_context": cl.contexts, "bag_of_words_context": cl.contexts,
             "ridge_r2": cl.probe, "node_states": cl.graph_signals,
             "dirichlet_ratio": cl.graph_signals}
    for name, home in moved.items():
        assert getattr(pt, name) is getattr(home, name), name
    for name in ("CACHE_VERSION", "CORPUS_FILES", "Corpus", "Forward", "HashMismatchError",
                 "MODELS", "ModelSpec", "converted_dir", "corpus_dir", "corpus_vocabulary",
                 "data_dir", "forward", "generate", "head_queries_keys", "load_corpus",
                 "load_model", "load_tokenizer", "model_path", "onnx_state_dict", "prepare",
                 "sha256_file", "unload", "verify_file"):
        assert callable(getattr(pt, name)) or isinstance(getattr(pt, name), (dict, str))
    assert pt.verify_file is cl.datasets.verify_file
    assert pt.HashMismatchError is cl.datasets.HashMismatchError


def test_pretrained_imports_no_higher_layer():
    code = ("import sys, contexture_lab.pretrained; "
            "print(sorted(m for m in sys.modules if m.startswith(('contexture_lab.explore', "
            "'contexture_lab.plotting', 'contexture_lab.widgets'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_load_corpus_checks_random_state():
    with pytest.raises(TypeError, match="random_state must be"):
        pt.load_corpus(5, random_state="a")


@needs["minilm-l6"]
@pytest.mark.slow
def test_minilm_l6_attention_rows_sum_to_one_and_paraphrase_scores_high(tmp_path,
                                                                         monkeypatch):
    monkeypatch.setenv("CONTEXTURE_LAB_CACHE", str(tmp_path))
    out = pt.forward("minilm-l6", PAIR, attentions=True)
    n, L, H, T, _ = out.attentions.shape
    assert (n, L, H) == (3, 6, 12) and out.pooled.shape == (7, 3, 384)
    for i, length in enumerate(out.lengths):
        rows = out.attentions[i, :, :, :length, :length].sum(-1)
        np.testing.assert_allclose(rows, 1.0, atol=1e-5)
        assert np.all(out.attentions[i, :, :, :length, length:] == 0)
    sim = out.embeddings @ out.embeddings.T
    # all-MiniLM-L6-v2's published behaviour: a paraphrase pair near 0.85, unrelated near 0
    assert sim[0, 1] > 0.7 and abs(sim[0, 2]) < 0.2 and abs(sim[1, 2]) < 0.2
    # the cache returns the same numbers; a head as a context is its attention matrix
    again = pt.forward("minilm-l6", PAIR, attentions=True)
    np.testing.assert_array_equal(again.pooled, out.pooled)
    ctx = cl.heads.head_context(out.attentions[0, 2, 5], int(out.lengths[0]))
    assert ctx.shape == (int(out.lengths[0]),) * 2
    assert cl.contexture(ctx, 2, on_degenerate="ignore").singular_values[0] <= 1 + 1e-9


@needs["minilm-l6"]
@pytest.mark.slow
def test_random_weight_control_differs_and_word_states_average_tokens(tmp_path, monkeypatch):
    monkeypatch.setenv("CONTEXTURE_LAB_CACHE", str(tmp_path))
    tok = pt.load_tokenizer("minilm-l6")
    guitar = tok.convert_tokens_to_ids("guitar")
    real = pt.forward("minilm-l6", PAIR[:2], words=[guitar], states=True)
    rand = pt.forward("minilm-l6", PAIR[:2], words=[guitar], random_weights=True)
    with pytest.warns(FutureWarning, match="'seed' is renamed 'random_state'"):
        old = pt.forward("minilm-l6", PAIR[:2], words=[guitar], random_weights=True, seed=0)
    np.testing.assert_array_equal(old.pooled, rand.pooled)
    assert real.word_counts.tolist() == [2]
    where = np.argwhere(real.input_ids == guitar)
    manual = np.mean([real.states[i, :, t] for i, t in where], axis=0)
    np.testing.assert_allclose(real.word_states[:, 0], manual, atol=1e-5)
    e = rand.embeddings
    assert not np.allclose(e, real.embeddings, atol=1e-2)
    # a fresh pass hands its states back as a map of its cache file (written there batch by
    # batch); a cached one reads them; without the cache they are computed in memory
    assert isinstance(real.states, np.memmap)
    np.testing.assert_array_equal(
        pt.forward("minilm-l6", PAIR[:2], words=[guitar], states=True).states, real.states)
    plain = pt.forward("minilm-l6", PAIR[:2], words=[guitar], states=True, cache=False)
    assert not isinstance(plain.states, np.memmap)
    np.testing.assert_array_equal(plain.states, real.states)
    assert not list((tmp_path / "pretrained").glob("*.tmp"))


@needs["minilm-l6"]
@pytest.mark.slow
def test_one_random_weight_control_in_memory_rebuilt_with_the_same_weights():
    from contexture_lab.pretrained import models

    first = pt.load_model("minilm-l6", random_weights=True, random_state=3)
    weights = first.embeddings.word_embeddings.weight.detach().clone()
    assert pt.load_model("minilm-l6", random_weights=True, random_state=3) is first
    pt.load_model("minilm-l6", random_weights=True, random_state=4)
    assert [k[2] for k in models._MODELS if k[1]] == [4]
    again = pt.load_model("minilm-l6", random_weights=True, random_state=3)
    assert again is not first
    assert bool((again.embeddings.word_embeddings.weight == weights).all())
    assert [k[2] for k in models._MODELS if k[1]] == [3]


@needs["minilm-l3"]
@pytest.mark.slow
def test_onnx_read_minilm_l3_matches_the_onnx_graph(tmp_path, monkeypatch):
    ort = pytest.importorskip("onnxruntime")
    monkeypatch.setenv("CONTEXTURE_LAB_CACHE", str(tmp_path))
    sentence = ["The cat sat on the warm mat."]
    out = pt.forward("minilm-l3", sentence, states=True)
    tok = pt.load_tokenizer("minilm-l3")
    enc = tok(sentence, return_tensors="np")
    session = ort.InferenceSession(str(pt.model_path("minilm-l3")),
                                   providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    feeds = {k: enc[k].astype(np.int64) for k in names}
    outputs = session.run(None, feeds)
    # the graph's outputs include the token states (1, T, 384) and their mean (1, 384)
    onnx_tokens = [o for o in outputs if o.shape == (1, int(out.lengths[0]), 384)]
    onnx_mean = [o for o in outputs if o.shape == (1, 384)]
    assert len(onnx_tokens) == 1 and len(onnx_mean) == 1
    np.testing.assert_allclose(out.states[0, -1, :out.lengths[0]], onnx_tokens[0][0],
                               atol=1e-5)
    np.testing.assert_allclose(out.pooled[-1, 0], onnx_mean[0][0], atol=1e-5)


@needs["smollm2"]
@pytest.mark.slow
def test_gguf_read_smollm2_continues_a_simple_prompt():
    text = pt.generate("smollm2", "The capital of France is", max_new_tokens=3)
    assert "Paris" in text


@needs["minilm-l6"]
def test_head_queries_and_keys_reproduce_the_head(tmp_path, monkeypatch):
    monkeypatch.setenv("CONTEXTURE_LAB_CACHE", str(tmp_path))
    out = pt.forward("minilm-l6", PAIR[:1], attentions=True)
    q, k = pt.head_queries_keys("minilm-l6", PAIR[0], 3, 7)
    assert q.shape == k.shape == (int(out.lengths[0]), 32)
    ctx = cl.attention.attention_context(q, k, 1.0, device="cpu")
    np.testing.assert_allclose(ctx.conditional(), out.attentions[0, 3, 7, :len(q), :len(q)],
                               atol=1e-5)
    with pytest.raises(ValueError, match="not a BERT encoder"):
        pt.head_queries_keys("smollm2", PAIR[0], 0, 0)


@needs["minilm-l6"]
@pytest.mark.slow
def test_forward_cache_is_the_cache_module_s(tmp_path, monkeypatch):
    from contexture_lab import _cache

    monkeypatch.setenv("CONTEXTURE_LAB_CACHE", str(tmp_path))
    first = pt.forward("minilm-l6", PAIR[:1])
    (entry,) = (tmp_path / "pretrained").glob("*.npz")
    stored = _cache.load_arrays(entry, required=["input_ids", "lengths", "pooled"])
    np.testing.assert_array_equal(stored["pooled"], first.pooled)
    assert not list((tmp_path / "pretrained").glob("*.tmp"))
    # a damaged entry warns once, is recomputed and replaced
    entry.write_bytes(entry.read_bytes()[:100])
    with pytest.warns(_cache.CacheWarning, match="damaged"):
        again = pt.forward("minilm-l6", PAIR[:1])
    np.testing.assert_array_equal(again.pooled, first.pooled)
    assert _cache.load_arrays(entry) is not None


@needs["smollm2"]
def test_next_token_probs_are_the_decoder_s_softmax(tmp_path, monkeypatch):
    import torch

    monkeypatch.setenv("CONTEXTURE_LAB_CACHE", str(tmp_path))
    tok = pt.load_tokenizer("smollm2")
    text = " apple bird car dog apple bird"
    ids = [tok(" " + w, add_special_tokens=False)["input_ids"][0] for w in ("car", "apple")]
    out = pt.forward("smollm2", [text], next_tokens=ids)
    enc = tok([text], return_tensors="pt")
    with torch.inference_mode():
        probs = pt.load_model("smollm2")(**enc).logits[0].softmax(-1)[:, ids].numpy()
    np.testing.assert_allclose(out.next_token_probs[0, :out.lengths[0]], probs, atol=1e-6)
    with pytest.raises(ValueError, match="next_tokens needs a decoder"):
        pt.forward("minilm-l6", ["a"], next_tokens=ids)


@needs["minilm-l6"]
def test_token_ids_are_the_tokenizer_s_in_batches():
    tok = pt.load_tokenizer("minilm-l6")
    texts = PAIR * 3
    want = tok(texts, add_special_tokens=False)["input_ids"]
    for batch_size in (1, 4, 100):     # batches that split the texts, and one that does not
        got = pt.token_ids(tok, texts, batch_size=batch_size)
        assert [g.tolist() for g in got] == want
        assert all(g.dtype == np.int64 for g in got)
    with pytest.raises(TypeError, match="list of strings"):
        pt.token_ids(tok, "one text")
    with pytest.raises(ValueError, match="texts is empty"):
        pt.token_ids(tok, [])


@needs["minilm-l6"]
def test_pooled_is_the_mean_over_real_tokens_at_every_depth(tmp_path, monkeypatch):
    # texts of different lengths in one batch: the padding never enters the mean
    monkeypatch.setenv("CONTEXTURE_LAB_CACHE", str(tmp_path))
    run = pt.forward("minilm-l6", PAIR, states=True, batch_size=2)
    for i, length in enumerate(run.lengths):
        np.testing.assert_allclose(run.pooled[:, i], run.states[i, :, :length].mean(axis=1),
                                   rtol=1e-5, atol=1e-6)
