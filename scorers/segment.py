"""Word segmentation with jieba, shared by the scorers that need words.

One tokenizer per process, with the jargon lexicon added as user words so a
term is one token and cannot match inside an unrelated word. jieba is only
called on the few utterances that need it (a jargon candidate, a paraphrase
cue): segmentation is the slowest step of rule scoring.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable, Iterable

import jieba

jieba.setLogLevel(logging.WARNING)

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_user_words: set[str] = set()


def tokenizer() -> jieba.Tokenizer:
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            _tokenizer = jieba.Tokenizer()
            _tokenizer.initialize()
        return _tokenizer


def add_user_words(words: Iterable[str], freq: int = 50_000) -> None:
    """Make each word a single token (idempotent)."""
    tk = tokenizer()
    with _lock:
        for word in words:
            if word not in _user_words:
                tk.add_word(word, freq=freq)
                _user_words.add(word)


def tokens(text: str, hmm: bool = False) -> list[tuple[str, int, int]]:
    """(token, start, end) for ``text``; HMM off by default so a term is never glued to its neighbours."""
    return list(tokenizer().tokenize(text, HMM=hmm))


def words(text: str, hmm: bool = True) -> list[str]:
    return list(tokenizer().cut(text, HMM=hmm))


def words_where(text: str, keep: Callable[[str], bool], hmm: bool = True) -> list[str]:
    """``words(text)`` less the words of the Chinese blocks ``keep`` turns down, never segmenting those.

    jieba cuts a text into blocks of Chinese, Latin letters and digits (its ``re_han_default``)
    and segments each on its own; the rest comes out one character (or line break) at a
    time. So the words of a block kept here are exactly the ones ``words`` gives for it,
    in the same order.
    """
    cut = tokenizer().cut
    found: list[str] = []
    for block in jieba.re_han_default.split(text):
        if not block:
            continue
        if jieba.re_han_default.match(block) and not keep(block):
            continue
        found += cut(block, HMM=hmm)
    return found
