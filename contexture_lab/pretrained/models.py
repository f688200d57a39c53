"""The models: tokenizers, the GGUF and ONNX conversions, loading, generation.

torch and transformers are imported on first use, never at ``import contexture_lab``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .._validation import check_int, check_rng, renamed_random_state
from .artefacts import SETUP_HINT, _spec, data_dir, model_path, sha256_file, verify_file

_MODELS: dict[tuple, object] = {}
_TOKENIZERS: dict[str, object] = {}


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


def load_tokenizer(name: str):
    """The model's tokenizer (``transformers``), from local files only.

    MiniLM-L3 shares MiniLM-L6's; SmolLM2's is read from the GGUF file (pads with its
    end-of-text token).

    Parameters
    ----------
    name : str
        A model of :data:`~contexture_lab.pretrained.artefacts.MODELS`.

    Returns
    -------
    transformers tokenizer
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


def _check_texts(texts) -> list:
    """``texts`` as a list of strings, or a clear error (a string alone, another type,
    nothing)."""
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise TypeError("texts must be a list of strings; found "
                        f"{type(texts).__name__}")
    texts = list(texts)
    if not texts:
        raise ValueError("texts is empty; expected at least one string")
    return texts


def token_ids(tokenizer, texts, *, batch_size: int = 1024) -> list:
    """Each text's token ids, without special tokens, as a small array.

    What a tokenizer returns for a whole corpus is Python lists of ints, with an attention
    mask and token types beside them: for the 23,703 sentences of
    :func:`~contexture_lab.pretrained.load_corpus` (546,528 MiniLM tokens) the kernel's
    memory grows by about 110 MB. Here each batch's lists become arrays before the next is
    tokenized.

    Parameters
    ----------
    tokenizer : transformers tokenizer
        E.g. ``load_tokenizer("minilm-l6")``.
    texts : list of str
    batch_size : int, default=1024
        Texts tokenized at once.

    Returns
    -------
    list of ndarray of int64
        One array per text, of its ids (``tokenizer(texts, add_special_tokens=False)``'s
        ``input_ids``).
    """
    texts = _check_texts(texts)
    batch_size = check_int(batch_size, "batch_size", low=1)
    out = []
    for lo in range(0, len(texts), batch_size):
        ids = tokenizer(texts[lo:lo + batch_size], add_special_tokens=False,
                        return_attention_mask=False, return_token_type_ids=False)["input_ids"]
        out.extend(np.asarray(row, dtype=np.int64) for row in ids)
    return out


def converted_dir(name: str = "smollm2") -> Path:
    """Where the dequantized copy of a GGUF model is kept: the data folder, keyed by the
    GGUF file's hash.

    Parameters
    ----------
    name : str, default="smollm2"
        A GGUF model of :data:`~contexture_lab.pretrained.artefacts.MODELS`.

    Returns
    -------
    pathlib.Path
    """
    spec = _spec(name)
    return data_dir() / "converted" / f"{spec.name}-{spec.sha256[:16]}"


def prepare(name: str = "smollm2") -> Path:
    """Dequantize SmolLM2's GGUF file once (``transformers`` + ``gguf``, about a minute) and
    save it with its tokenizer as safetensors in :func:`converted_dir`, with the new file's
    sha256, so that later loads take seconds. The set-up calls this; a load without it
    converts in memory (and saves when the folder is writable).

    Parameters
    ----------
    name : str, default="smollm2"
        A GGUF model of :data:`~contexture_lab.pretrained.artefacts.MODELS`.

    Returns
    -------
    pathlib.Path
        The folder, as :func:`converted_dir`.
    """
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
                                    f"cannot be written ({err}); {SETUP_HINT}") from err
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

    Parameters
    ----------
    path : path-like
        The ONNX file.

    Returns
    -------
    dict
        ``{parameter name: ndarray}``.
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


def _torch_seed(random_state) -> int:
    """The int that seeds torch for ``random_state`` (an int as it is; a Generator draws
    one), after the package's usual check."""
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2 ** 63 - 1))
    check_rng(random_state)
    return int(random_state)


@renamed_random_state("seed")
def load_model(name: str, *, random_weights: bool = False, random_state=0, device=None):
    """The torch model ``name`` in eval mode on ``device``, kept in memory once loaded.

    The trained models stay loaded until :func:`unload`; of the random-weight controls only
    the latest is kept (asking for another control frees the previous one: a control is
    rebuilt from its seed, with the same weights, when it is asked for again), so that a
    sweep over control seeds holds one model at a time.

    Parameters
    ----------
    name : str
        A key of :data:`~contexture_lab.pretrained.artefacts.MODELS`.
    random_weights : bool, keyword-only, default=False
        The same architecture with freshly initialised weights (seeded by
        ``random_state``): the control for "what does training add".
    random_state : int or numpy.random.Generator, keyword-only, default=0
        Seed of the random weights (``seed=`` is its deprecated old name); unused for the
        trained weights.
    device : optional
        Default :func:`contexture_lab.get_device`.

    Returns
    -------
    torch.nn.Module
    """
    from ..device import get_device

    _offline()
    dev = get_device(device)
    seed = _torch_seed(random_state) if random_weights else 0
    key = (name, bool(random_weights), seed, str(dev))
    if key not in _MODELS:
        _map_large_buffers()
        if random_weights:
            for other in [k for k in _MODELS if k[1]]:
                del _MODELS[other]
            _release_memory()
        _MODELS[key] = _build_model(name, random_weights, seed).to(dev)
    return _MODELS[key]


#: glibc's ``mallopt`` parameter for the size from which an allocation is its own mapping.
_M_MMAP_THRESHOLD = -3
#: The fixed threshold the lab sets before a model's first pass (bytes).
_MMAP_THRESHOLD = 1 << 20


def _map_large_buffers() -> None:
    """Give every freed buffer of 1 MiB or more back to the system at once.

    A forward pass allocates and frees many buffers of a few MB (activations, logits).
    glibc raises its mmap threshold after the first such buffer is freed, so that later ones
    come from the heap, where freed space stays in the process and fragments: over notebook
    09's sixteen passes the kernel's resident memory grew by 60 to 150 MB more, varying from
    run to run. A fixed threshold (``mallopt(M_MMAP_THRESHOLD)``, which also turns the
    adjustment off) keeps each one a mapping of its own, returned when freed, for about 5 %
    more time. It applies to the whole process (the notebook's kernel); elsewhere than glibc
    nothing changes."""
    import ctypes
    import ctypes.util
    import sys

    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
        except (OSError, AttributeError):   # not glibc (musl has no mallopt)
            pass


def _release_memory() -> None:
    """Collect garbage, then hand the C heap's free pages back to the system (glibc's
    ``malloc_trim``; elsewhere nothing more): freed weights would otherwise stay counted in
    the kernel's resident memory."""
    import ctypes
    import ctypes.util
    import gc
    import sys

    gc.collect()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):   # not glibc (musl has no malloc_trim)
            pass


def unload(name: str | None = None) -> None:
    """Forget every loaded model, or those of ``name`` only (their memory returns once
    nothing else holds them).

    Parameters
    ----------
    name : str, optional
        A key of :data:`~contexture_lab.pretrained.artefacts.MODELS`; default all.
    """
    for key in [k for k in _MODELS if name is None or k[0] == name]:
        del _MODELS[key]
    _release_memory()


def generate(name: str, prompt: str, *, max_new_tokens: int = 8, device=None) -> str:
    """Greedy continuation of ``prompt`` by a decoder (``"smollm2"``); the new text only.

    Parameters
    ----------
    name : str
        A decoder of :data:`~contexture_lab.pretrained.artefacts.MODELS`.
    prompt : str
        The text to continue.
    max_new_tokens : int, default=8
        Tokens to generate.
    device : str or torch.device, optional
        Default :func:`contexture_lab.get_device`.

    Returns
    -------
    str
    """
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


__all__ = ["converted_dir", "generate", "load_model", "load_tokenizer", "onnx_state_dict",
           "prepare", "token_ids", "unload"]
