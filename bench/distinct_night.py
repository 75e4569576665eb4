#!/usr/bin/env python3
"""A generated night in which no two utterances are alike: the honest input for timing the model.

    python bench/distinct_night.py --calls 100000 [--seed 7] [--out bench/distinct-100000-s7.jsonl]

``gen_calls.py`` builds calls from a few hundred sentences, so a model's score
cache answers almost every utterance after the first thousand calls, and a
timing on it says nothing about a real night. This takes the generated night
(bench/night-<calls>-s<seed>-d1.jsonl, generated if missing) and gives every
utterance a different tail: a piece of a real sentence from the project's
redistributable pretraining text (Tatoeba, KdConv; data/pretrain/SOURCES.md)
plus a counter. The calls keep their structure, speakers and timings.

A benchmark input, not a test fixture: nothing here asserts anything.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_scoring import generated_night  # noqa: E402

TEXTS = ("tatoeba_cmn_sentences.txt.gz", "kdconv_dialogue.txt.gz")


def tail_lines() -> list[str]:
    lines = []
    for name in TEXTS:
        with gzip.open(ROOT / "data" / "pretrain" / name, "rt", encoding="utf-8") as f:
            lines += [line.strip() for line in f if len(line.strip()) >= 4]
    return lines


def with_tail(text: str, n: int, rng: random.Random, lines: list[str]) -> str:
    """``text``, a comma, 4 to 20 characters of a real sentence, and ``n`` in base 36 (never 11 digits)."""
    tail = rng.choice(lines)
    start = rng.randrange(max(1, len(tail) - 4))
    return f"{text}，{tail[start:start + rng.randint(4, 20)]}{_base36(n)}"


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    source = generated_night(args.calls, args.seed, 1)
    out = args.out or ROOT / "bench" / f"distinct-{args.calls}-s{args.seed}.jsonl"
    rng, lines, n = random.Random(args.seed), tail_lines(), 0
    with open(source, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        for line in src:
            record = json.loads(line)
            for utterance in record["utterances"]:
                utterance["text"] = with_tail(utterance["text"], n, rng, lines)
                n += 1
            dst.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{out}: {args.calls} calls, {n} utterances, each with its own tail")


if __name__ == "__main__":
    main()
