"""How an example becomes model input, the same way in training and at scoring time.

Text is normalised first (Simplified, half-width, lower case: :func:`scorers.normalize.normalize`),
so a call in 繁體 reaches the model as its 简体 twin, and prefixed with the
task, so one model serves agent utterances, customer utterances and pairs.
A model trained from scratch gets a character vocabulary (Chinese is written
in characters; a word vocabulary would need far more data than a bank labels)
held by transformers' own ``BertTokenizerFast``.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

from scorers.normalize import normalize

TASK_PREFIX = {"agent": "坐席:", "customer": "客户:", "pair": "复述:"}
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
MAX_LENGTH = 96


def model_inputs(task: str, text: str, context: str = "") -> tuple[str, str | None]:
    """(first segment, second segment or None) for the tokenizer."""
    if task == "pair":
        return TASK_PREFIX[task] + normalize(context), normalize(text)
    return TASK_PREFIX[task] + normalize(text), None


def build_char_tokenizer(texts: Iterable[str], min_count: int = 1):
    """A ``BertTokenizerFast`` whose vocabulary is every character seen ``min_count`` times.

    ASCII letters and digits also get their ``##`` continuation form, so "lpr"
    or a number is spelled out character by character instead of becoming [UNK].
    """
    from transformers import BertTokenizerFast

    counts = Counter(ch for text in texts for ch in text if not ch.isspace())
    chars = sorted(ch for ch, n in counts.items() if n >= min_count)
    ascii_alnum = sorted({ch for ch in chars if ch.isascii() and ch.isalnum()} |
                         set("abcdefghijklmnopqrstuvwxyz0123456789"))
    vocab = SPECIAL + [ch for ch in chars if ch not in SPECIAL] + [f"##{ch}" for ch in ascii_alnum]
    vocab = list(dict.fromkeys(vocab + [ch for ch in ascii_alnum if ch not in chars]))
    return BertTokenizerFast(vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=True,
                             tokenize_chinese_chars=True, model_max_length=MAX_LENGTH)


def encode(tokenizer, items: list[tuple[str, str | None]], max_length: int = MAX_LENGTH):
    """Tokenise (first, second) segments into padded PyTorch tensors.

    Single segments of a character vocabulary are looked up by :mod:`scorers.models.char_ids`
    (the tokenizer's own ids, about 20 times faster); pairs and other vocabularies go through
    the tokenizer."""
    from scorers.models.char_ids import char_ids

    firsts = [a for a, _ in items]
    seconds = [b for _, b in items]
    if all(b is None for b in seconds):
        fast = char_ids(tokenizer)
        if fast is not None:
            return fast.encode(firsts, max_length)
        return tokenizer(firsts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    seconds = [b or "" for b in seconds]
    return tokenizer(firsts, seconds, padding=True, truncation="longest_first", max_length=max_length,
                     return_tensors="pt")


def score_items(model, tokenizer, items: list[tuple[str, str, str]], batch_size: int, max_length: int = MAX_LENGTH):
    """Sigmoid scores (``len(items)`` × heads, a float32 array) of (task, text, context) items, in their order.

    Inputs are sorted by length so a batch carries little padding, and pairs are
    batched apart from single utterances (they tokenise as two segments). A plain
    BERT classifier runs through :mod:`scorers.models.cls_forward` (its last layer
    at [CLS] only: the same scores to float rounding, about twice as fast); any
    other model through its own forward.
    """
    import numpy as np
    import torch

    from scorers.models.cls_forward import cls_forward

    scores = np.zeros((len(items), model.config.num_labels), dtype=np.float32)
    order = sorted(range(len(items)), key=lambda i: (items[i][0] == "pair", len(items[i][1]) + len(items[i][2])))
    model.eval()
    fast = cls_forward(model)
    logits_of = fast if fast is not None else (lambda **enc: model(**enc).logits)
    with torch.inference_mode():
        for is_pair in (False, True):
            idx = [i for i in order if (items[i][0] == "pair") == is_pair]
            for start in range(0, len(idx), batch_size):
                part = idx[start:start + batch_size]
                enc = encode(tokenizer, [model_inputs(*items[i]) for i in part], max_length)
                scores[part] = torch.sigmoid(logits_of(**enc)).numpy()
    return scores
