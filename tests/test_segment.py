"""segment: one jieba tokenizer per process, its dictionary loaded on first use, user words kept whole."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
from scorers import segment
segment.add_user_words(["多头借贷", "网联通道"])
assert segment._tokenizer is None, "the dictionary loaded before anything was segmented"
found = [t for t, _, _ in segment.tokens("系统提示您命中了多头借贷,走的是网联通道")]
assert "多头借贷" in found and "网联通道" in found, found
segment.add_user_words(["银联通道"])  # a word added after the load goes straight in
assert "银联通道" in [t for t, _, _ in segment.tokens("这笔是银联通道扣的款")]
print("ok")
"""


def test_user_words_added_before_the_dictionary_loads_are_single_tokens():
    proc = subprocess.run([sys.executable, "-c", _CHILD], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr


def test_words_and_tokens_agree_on_offsets():
    from scorers.segment import tokens

    text = "您的利率是按LPR加点算的"
    for token, start, end in tokens(text):
        assert text[start:end] == token
