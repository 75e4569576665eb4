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
_user_words: dict[str, int] = {}  # every word added, with its frequency: added again to a new tokenizer


def tokenizer() -> jieba.Tokenizer:
    """The process's tokenizer, its dictionary loaded on first use (0.6 CPU-s): a process that loads
    the rubrics but never segments (the nightly flow's own; its workers score) never pays for it."""
    global _tokenizer
    with _lock:
        if _tokenizer is None:
            tk = jieba.Tokenizer()
            tk.initialize()
            for word, freq in _user_words.items():
                tk.add_word(word, freq=freq)
            _tokenizer = tk
        return _tokenizer


def add_user_words(words: Iterable[str], freq: int = 50_000) -> None:
    """Make each word a single token (idempotent): now if the tokenizer is loaded, else when it loads."""
    with _lock:
        new = [word for word in words if word not in _user_words]
        for word in new:
            _user_words[word] = freq
        if _tokenizer is not None:
            for word in new:
                _tokenizer.add_word(word, freq=freq)


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
