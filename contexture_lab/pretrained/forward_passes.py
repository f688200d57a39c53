"""Forward passes of the real models, cached on disk, and one head's queries and keys.

The cache is the package's one disk cache (``contexture_lab._cache``): an entry is keyed
by the model file's hash, the inputs, the options, the library versions and the code of
this module and of :mod:`.models`, so a second run is fast and a shared cache is safe.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np

from .. import _cache
from .._progress import task
from .._validation import check_int, renamed_random_state
from . import models as _models
from .artefacts import _spec
from .models import _check_texts, _torch_seed, load_model, load_tokenizer

#: Bump when what a cached forward pass stores changes.
CACHE_VERSION = "pretrained-forward-3"


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
    attentions : ndarray, shape (n, L, H, T, T), or None, default=None
        Attention probabilities of every head (rows over real keys sum to 1).
    states : ndarray, shape (n, L + 1, T, dim), or None, default=None
        Every token's hidden state at every depth.
    words : ndarray of int, shape (V,), or None, default=None
        Token ids whose mean state was collected.
    word_states : ndarray, shape (L + 1, V, dim), or None, default=None
        Mean hidden state of each token id of ``words`` over its occurrences (NaN if none).
    word_counts : ndarray of int, shape (V,), or None, default=None
        How often each token id of ``words`` occurred.
    next_token_probs : ndarray, shape (n, T, K), or None, default=None
        A decoder's probability (softmax over its whole vocabulary) that the token after
        each position is each of the K ids asked for in ``next_tokens``, in that order.
    """

    input_ids: np.ndarray
    lengths: np.ndarray
    pooled: np.ndarray
    attentions: np.ndarray | None = None
    states: np.ndarray | None = None
    words: np.ndarray | None = None
    word_states: np.ndarray | None = None
    word_counts: np.ndarray | None = None
    next_token_probs: np.ndarray | None = None

    @property
    def embeddings(self) -> np.ndarray:
        """Unit-norm sentence embeddings, shape (n, dim): ``pooled[-1]`` normalised."""
        e = self.pooled[-1].astype(np.float64)
        return e / np.linalg.norm(e, axis=1, keepdims=True)


def _cache_key(*parts) -> str:
    """The forward cache's key: the parts, the library versions, the code of this module
    and of :mod:`.models` (``contexture_lab._cache.cache_key``)."""
    import torch
    import transformers

    salt = (f"torch={torch.__version__}|transformers={transformers.__version__}|".encode()
            + _cache.code_fingerprint(__file__, _models))
    return _cache.cache_key(CACHE_VERSION, *parts, salt=salt, length=24)


#: The arrays every stored forward pass has.
_REQUIRED = ("input_ids", "lengths", "pooled")
#: The arrays that a fresh pass returns as memory maps of its cache file (they grow with
#: the texts, the layers and the tokens).
_MAPPED = ("states", "attentions")
#: Positions per application of a decoder's language-model head: its logits over the whole
#: vocabulary are the largest activation of a pass (T x 49,152 for SmolLM2).
_HEAD_CHUNK = 128


@renamed_random_state("seed")
def forward(name: str, texts, *, max_length: int = 64, attentions: bool = False,
            states: bool = False, words=None, next_tokens=None, random_weights: bool = False,
            random_state=0, batch_size: int | None = None, device=None,
            cache: bool = True) -> Forward:
    """Run model ``name`` on ``texts`` and keep what the notebooks read (cached on disk).

    Parameters
    ----------
    name : str
        A key of :data:`~contexture_lab.pretrained.artefacts.MODELS`.
    texts : list of str, length n
    max_length : int, default=64
        Tokens per text after truncation (special tokens included).
    attentions : bool, default=False
        Also return every head's attention matrix (memory grows as n L H T^2: ask for it
        on a few texts only).
    states : bool, default=False
        Also return every token's hidden state (memory grows as n L T dim).
    words : array-like of int, optional
        Token ids whose mean hidden state per depth to collect over all their occurrences.
    next_tokens : array-like of int, shape (K,), optional
        Token ids whose next-token probability at every position to return (a decoder
        only: its language-model head applied to the last layer's state).
    random_weights : bool, keyword-only, default=False
        The randomly initialised control model (see
        :func:`~contexture_lab.pretrained.load_model`).
    random_state : int or numpy.random.Generator, keyword-only, default=0
        Seed of the control's weights (``seed=`` is its deprecated old name).
    batch_size : int, optional
        Texts per pass; default 32 for the encoders and 8 for the decoder (its 30 layers'
        activations, on top of its 540 MB of weights, stay under the lab's memory budget).
    device : optional
    cache : bool, default=True
        Read and write the on-disk cache (``$CONTEXTURE_LAB_CACHE``). A pass computed
        and stored here returns ``states`` and ``attentions`` as copy-on-write memory maps
        of its cache file (``numpy.memmap``): they take memory only once read, so a second
        pass runs while the first one's arrays wait on disk. With ``states=True`` the states
        go to the cache folder batch by batch during the pass, and the model is released
        before they are stored (:func:`~contexture_lab.pretrained.unload`; the next pass
        loads it again).

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
    next_ids = None
    if next_tokens is not None:
        if spec.kind != "decoder":
            raise ValueError(f"next_tokens needs a decoder; model {name!r} is an encoder")
        next_ids = np.asarray(next_tokens, dtype=np.int64).ravel()
        if next_ids.size == 0 or next_ids.min() < 0:
            raise ValueError(f"next_tokens must be non-negative token ids, got {next_tokens!r}")
    seed = _torch_seed(random_state) if random_weights else 0
    path = None
    # a bar over the texts, shown cached or not (a stored notebook output is the same)
    with task(f"{name}: forward pass", len(texts)) as bar:
        if cache:
            key = _cache_key(spec.sha256, name, texts, max_length, attentions, states,
                             word_ids, next_ids, bool(random_weights), seed)
            path = _cache.entry_path(key, kind="pretrained")
            stored = _cache.load_arrays(path, required=_REQUIRED)
            if stored is not None:
                bar.update(len(texts))
                return Forward(**stored)
        spill = path.parent if path is not None and states else None
        result = _run(name, texts, max_length, attentions, states, word_ids, random_weights,
                      seed, batch_size, device, next_ids=next_ids, bar=bar, spill=spill)
    spilled = result.states if isinstance(result.states, np.memmap) else None
    if spilled is not None:
        # the states wait on disk; the model leaves memory before they are read back to be
        # stored (a later pass loads it again, from its mapped file, in seconds)
        _models.unload(name)
    if path is not None and _cache.save_arrays(
            path, {f.name: getattr(result, f.name) for f in fields(result)
                   if getattr(result, f.name) is not None}):
        # the large arrays come back as maps of the file just written, so that their memory
        # is free while the next pass runs, and read from disk when used
        big = [key for key in _MAPPED if getattr(result, key) is not None]
        if big:
            result = replace(result, **_cache.mapped_arrays(path, big))
    if spilled is not None:
        try:
            Path(spilled.filename).unlink(missing_ok=True)   # its map stays readable (POSIX)
        except OSError:       # a mapped file cannot be deleted on Windows: left for later
            pass
        del spilled
        _models._release_memory()
    return result


def _run(name, texts, max_length, want_attn, want_states, word_ids, random_weights, seed,
         batch_size, device, next_ids=None, bar=None, spill=None) -> Forward:
    """One forward pass (see :func:`forward`). With ``spill`` (a cache folder) the states
    are written batch by batch to a temporary file there (:class:`contexture_lab._cache.Spill`)
    and returned as its memory map, so that they never sit in memory beside the model."""
    import torch

    model = load_model(name, random_weights=random_weights, random_state=seed,
                       device=device)
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
    # the outputs are filled in place, batch by batch: no list of per-batch copies and no
    # concatenation (a second copy of every array at the end)
    pooled = attn_out = state_out = next_out = None
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
            # layer by layer, never all depths stacked (a decoder's 31 depths of a long text
            # would be copied twice more: the stack, and its masked product for the mean)
            layers = out.hidden_states                        # L+1 of (B, t, dim)
            n_depths, dim = len(layers), layers[0].shape[-1]
            if pooled is None:
                pooled = np.empty((n_depths, n, dim), dtype=np.float32)
                if want_states and spill is not None:
                    try:
                        spill = _cache.Spill(spill, (n, n_depths, T, dim), np.float32)
                    except OSError:       # an unwritable cache folder: states in memory
                        spill = None
                if want_states and spill is None:
                    state_out = np.zeros((n, n_depths, T, dim), dtype=np.float32)
            if want_attn:
                a = torch.stack(out.attentions, dim=1).float().cpu().numpy()  # (B,L,H,t,t)
                if attn_out is None:
                    attn_out = np.zeros((n,) + a.shape[1:3] + (T, T), dtype=np.float32)
                attn_out[start:stop, ..., :width, :width] = a
                del a
            del out
            m = mask.to(layers[0].dtype)[:, :, None]
            real = m.sum(1)                                   # real tokens per text (B, 1)
            if want_states:
                block = state_out[start:stop] if spill is None else \
                    np.zeros((stop - start, n_depths, T, dim), np.float32)
            if lookup is not None:
                flat = ids_all[start:stop, :width].ravel()
                where = np.where(mask_all[start:stop, :width].ravel() > 0,
                                 lookup[flat], -1)
                keep = np.flatnonzero(where >= 0)
                if sums is None:
                    sums = torch.zeros(n_depths, word_ids.size, dim, dtype=torch.float64,
                                       device=dev)
                if keep.size:
                    index = torch.as_tensor(where[keep], device=dev)
                    rows = torch.as_tensor(keep, device=dev)
                    counts += np.bincount(where[keep], minlength=word_ids.size)
            for depth, h in enumerate(layers):
                pooled[depth, start:stop] = ((h * m).sum(1) / real).float().cpu().numpy()
                if want_states:
                    block[:, depth, :width] = h.float().cpu().numpy()
                if lookup is not None and keep.size:
                    sums[depth].index_add_(0, index, h.reshape(-1, dim)[rows].double())
            if want_states:
                if spill is not None:
                    spill.write(start, block)
                del block
            last = layers[-1]
            del layers
            if next_ids is not None:
                # the decoder's last hidden state is after its final norm: the head's input
                if next_out is None:
                    next_out = np.zeros((n, T, next_ids.size), dtype=np.float32)
                picked = torch.as_tensor(next_ids, device=dev)
                for lo in range(0, width, _HEAD_CHUNK):
                    hi = min(width, lo + _HEAD_CHUNK)
                    logp = torch.log_softmax(model.lm_head(last[:, lo:hi]).float(), dim=-1)
                    next_out[start:stop, lo:hi] = logp[..., picked].exp().cpu().numpy()
                    del logp
            del last
    word_states = None
    if lookup is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            word_states = (sums.cpu().numpy() / counts[None, :, None]).astype(np.float32)
    return Forward(
        input_ids=ids_all.astype(np.int64), lengths=lengths.astype(np.int64),
        pooled=pooled, attentions=attn_out,
        states=spill.array() if want_states and spill is not None else state_out,
        words=word_ids, word_states=word_states,
        word_counts=counts if lookup is not None else None,
        next_token_probs=next_out)


def head_queries_keys(name: str, text: str, layer: int, head: int, *, max_length: int = 64,
                      device=None) -> tuple[np.ndarray, np.ndarray]:
    """The queries and keys of one head of a BERT encoder on one text.

    ``cl.attention.attention_context(q, k)`` then reproduces that head's attention matrix
    (BERT scales the scores by the square root of the head dimension, as the lab does), and
    its ``temperature`` turns the knob of notebook 04 on a real head.

    Parameters
    ----------
    name : str
        A BERT encoder of :data:`~contexture_lab.pretrained.artefacts.MODELS`.
    text : str
        One text.
    layer : int
        The layer, from 0.
    head : int
        The head, from 0.
    max_length : int, default=64
        Tokens after truncation (special tokens included).
    device : str or torch.device, optional
        Default :func:`contexture_lab.get_device`.

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


__all__ = ["CACHE_VERSION", "Forward", "forward", "head_queries_keys"]
