"""The corpus of notebooks 08-09: VADER's sentences with their mean human ratings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._validation import check_int, check_rng
from .artefacts import CORPUS_FILES, corpus_dir, verify_file


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
    random_state : int or numpy.random.Generator, keyword-only, default=0
        Seed of the subsample.
    max_words : int, optional
        Keep only sentences with at most this many whitespace-separated words (before
        subsampling).
    sources : list of str, optional
        Keep only these sources (keys of
        :data:`~contexture_lab.pretrained.artefacts.CORPUS_FILES`).

    Returns
    -------
    Corpus
    """
    rng = check_rng(random_state)
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
        keep = np.sort(rng.choice(keep, size=n, replace=False))
    return Corpus(texts=[texts[i] for i in keep], ratings=np.asarray(ratings)[keep],
                  sources=np.asarray(origin)[keep])


def corpus_vocabulary(sequences, tokenizer, size: int, *, min_length: int = 2):
    """The ``size`` most frequent whole-word, alphabetic tokens of ``sequences``.

    Ties in frequency are broken by token id, so the choice is determined.

    Parameters
    ----------
    sequences : iterable of sequence of int
        Token ids of each text.
    tokenizer : transformers tokenizer
        Decodes the ids (to keep whole alphabetic words).
    size : int
        Number of tokens to keep.
    min_length : int, default=2
        Shortest word kept, in characters.

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


__all__ = ["Corpus", "corpus_vocabulary", "load_corpus"]
