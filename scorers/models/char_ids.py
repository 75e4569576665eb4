"""Token ids for a character vocabulary without the tokenizer's per-call cost, identical to it.

The model's vocabulary is one token per character (``##x`` for letters and digits
inside a word: :func:`scorers.models.encoding.build_char_tokenizer`). For such a
vocabulary BERT's tokenizer reduces to a table look-up: a Chinese character or
a punctuation mark is a token of its own, a run of ASCII letters and digits is
a word spelled ``a ##b ##c`` (or one ``[UNK]`` when a character is missing, as
WordPiece does), and a space separates. transformers' tokenizer spends about
100 µs on each utterance doing the general case (a quarter of the model's
time once its forward pass was trimmed); this does the look-up in a few.

Only text whose every character falls in those classes takes this path — and
only characters the tokenizer would not change (no upper case, no accents, no
compatibility ideographs, no ``[`` that could open a special token); any other
text is tokenised by transformers itself, so the ids are always the
tokenizer's (tests/test_char_ids.py compares both on every line of the
project's corpora and on text built to trip it). A tokenizer that is not a
plain character BERT tokenizer gets no fast path at all.
"""
from __future__ import annotations

import json
import unicodedata
import weakref

_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
# the two main blocks of what BERT calls a Chinese character; the rest (compatibility ideographs,
# which NFD changes, and the supplementary planes, whose ranges differ between BERT's Python and
# Rust code) go to the tokenizer
CJK = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF))
MAX_WORD = 100  # WordPiece's max_input_chars_per_word: a longer word is one [UNK]


def char_ids(tokenizer) -> "CharIds | None":
    """The fast path for ``tokenizer`` (built once per tokenizer), or None when it is not a plain char BERT one."""
    if tokenizer not in _CACHE:
        _CACHE[tokenizer] = CharIds(tokenizer) if CharIds.supports(tokenizer) else None
    return _CACHE[tokenizer]


def _standalone(ch: str) -> bool:
    """A character BERT always makes a token of its own, and that its normaliser leaves as it is."""
    code = ord(ch)
    if any(lo <= code <= hi for lo, hi in CJK):
        return True
    punctuation = (ch.isascii() and not ch.isalnum() and 33 <= code <= 126) or unicodedata.category(ch).startswith("P")
    return punctuation and ch != "[" and unicodedata.normalize("NFD", ch) == ch and ch.lower() == ch


class CharIds:
    """``input_ids`` / ``token_type_ids`` / ``attention_mask`` for single-segment batches, as the tokenizer gives."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.vocab = tokenizer.get_vocab()
        self.unk, self.cls, self.sep, self.pad = (tokenizer.unk_token_id, tokenizer.cls_token_id,
                                                  tokenizer.sep_token_id, tokenizer.pad_token_id)
        self._alone: dict[str, int] = {}  # standalone character -> its id ([UNK] when not in the vocabulary)
        self._refused: set[str] = set()   # characters that send a text to the tokenizer

    @staticmethod
    def supports(tokenizer) -> bool:
        try:
            spec = json.loads(tokenizer.backend_tokenizer.to_str())
            vocab = tokenizer.get_vocab()
        except Exception:  # not a fast tokenizer: nothing to compare against
            return False
        normalizer, model = spec.get("normalizer") or {}, spec.get("model") or {}
        single = [next(iter(part)) for part in (spec.get("post_processor") or {}).get("single", [])]
        plain_words = all(len(t) == 1 or (t.startswith("##") and len(t) == 3) or (t.startswith("[") and t.endswith("]"))
                          for t in vocab)
        return (normalizer.get("type") == "BertNormalizer" and normalizer.get("lowercase") is True
                and normalizer.get("handle_chinese_chars") is True and normalizer.get("clean_text") is True
                and normalizer.get("strip_accents") in (None, True)
                and (spec.get("pre_tokenizer") or {}).get("type") == "BertPreTokenizer"
                and model.get("type") == "WordPiece" and model.get("continuing_subword_prefix") == "##"
                and model.get("max_input_chars_per_word") == MAX_WORD
                and single == ["SpecialToken", "Sequence", "SpecialToken"]
                and tokenizer.padding_side == "right" and plain_words
                and None not in (tokenizer.unk_token_id, tokenizer.cls_token_id, tokenizer.sep_token_id,
                                 tokenizer.pad_token_id))

    def ids(self, text: str) -> list[int] | None:
        """The tokens of ``text`` (no [CLS]/[SEP]), or None when only the tokenizer may say."""
        out: list[int] = []
        word: list[str] = []
        alone, vocab = self._alone, self.vocab
        for ch in text:
            tok = alone.get(ch)
            if tok is not None:
                if word:
                    self._word(word, out)
                    word = []
                out.append(tok)
            elif ch in WORD_CHARS:
                word.append(ch)
            elif ch == " ":
                if word:
                    self._word(word, out)
                    word = []
            elif ch in self._refused:
                return None
            elif _standalone(ch):
                alone[ch] = vocab.get(ch, self.unk)
                if word:
                    self._word(word, out)
                    word = []
                out.append(alone[ch])
            else:
                self._refused.add(ch)
                return None
        if word:
            self._word(word, out)
        return out

    def _word(self, word: list[str], out: list[int]) -> None:
        """WordPiece on a run of letters and digits, with one-character pieces: ``a ##b ##c``."""
        vocab = self.vocab
        pieces = [vocab.get(word[0])] + [vocab.get("##" + ch) for ch in word[1:]]
        out.extend([self.unk] if len(word) > MAX_WORD or None in pieces else pieces)

    def encode(self, texts: list[str], max_length: int):
        """What ``tokenizer(texts, padding=True, truncation=True, max_length=..., return_tensors="pt")`` returns."""
        import numpy as np
        import torch

        rows = []
        for text in texts:
            tokens = self.ids(text)
            if tokens is None:
                rows.append(self.tokenizer(text, truncation=True, max_length=max_length)["input_ids"])
            else:
                rows.append([self.cls] + tokens[:max_length - 2] + [self.sep])
        width = max((len(r) for r in rows), default=0)
        ids = np.full((len(rows), width), self.pad, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for n, row in enumerate(rows):
            ids[n, :len(row)] = row
            mask[n, :len(row)] = 1
        ids = torch.from_numpy(ids)
        return {"input_ids": ids, "token_type_ids": torch.zeros_like(ids), "attention_mask": torch.from_numpy(mask)}
