"""paraphrase: the agent restates the customer's need with content and a check."""
import pytest

from tests.helpers import call_of, hits

NEED = "C: 我上周五跨行转了一笔钱给我儿子,到现在还没到账,想查一下进度。"


@pytest.mark.parametrize("agent", [
    "跟您确认一下,您是上周五跨行转给儿子的那笔钱还没到账,想查进度,对吗?",
    "如果我理解得没错,您上周五那笔跨行转账到现在还没到账,是吧?",
    "您的意思是转给儿子的钱一直没到账,想知道进度,是这样吗?",
    "我复述一下,您上周五给儿子跨行转账,现在还没到,您看对不对?",
    "所以您是想查上週五那筆跨行轉帳的進度,對嗎?",
])
def test_restatements_are_met(agent):
    assert hits("paraphrase", call_of("A: 您好", NEED, f"A: {agent}"), "met") == [2]


@pytest.mark.parametrize("agent", [
    "您再说一遍?",
    "好的,明白。",
    "请问您是尾号3321的持卡人本人吗?",
    "跟您核对一下预留手机号尾号是5678吗?",
    "我再跟您说一遍,还款日是每月5号,对吗?",
    "您说要查哪一笔?",
    "您预留的手机号是13812345678,对吗?",
    "您看可以吗?",
])
def test_non_restatements_are_not_met(agent):
    assert hits("paraphrase", call_of("A: 您好", NEED, f"A: {agent}"), "met") == []


def test_cue_without_content_is_not_a_paraphrase():
    call = call_of("A: 您好", NEED, "A: 您是说这个事情是吧?")
    assert hits("paraphrase", call, "met") == []


def test_needs_something_the_customer_said():
    assert hits("paraphrase", call_of("A: 跟您确认一下,您是想办信用卡分期,对吗?"), "met") == []


SHARED_CASES = [
    ("跟您确认一下,您是想把信用卡自动还款改成另一张储蓄卡,对吗?", "我想把信用卡自动还款改成另一张储蓄卡"),
    ("您是说上个月那笔扣款,ATM取现的手续费对吧?", "上个月扣了我一笔钱\n我在ATM取现了"),
    ("我跟您核实一下,您要挂失的是尾号那张卡?", "卡丢了要挂失"),
    ("好的 您说的是 转账记录\r\n对吗", "转账记录查不到\r\n"),
    ("您是想问利率吗?", "余额多少"),
    ("", "什么"),
]


@pytest.mark.parametrize("norm, said", SHARED_CASES)
def test_words_where_keeping_every_block_is_words(norm, said):
    from scorers.segment import words, words_where

    assert words_where(norm, lambda block: True) == words(norm)


@pytest.mark.parametrize("norm, said", SHARED_CASES)
def test_shared_words_are_the_content_words_the_customer_said(norm, said):
    """Skipping blocks (and whole utterances) that cannot hold a shared word changes nothing."""

    from pathlib import Path

    from scorers.paraphrase import ParaphraseScorer

    scorer = ParaphraseScorer.from_file(Path(__file__).resolve().parent.parent / "rubrics" / "lexicons" / "paraphrase.yaml")
    expected = {w for w in scorer.content_words(norm) if w in said}
    assert scorer.shared_words(norm, said) == expected
    for needed in (1, 2, 3):
        for cue in (False, True):
            got = scorer.shared_words(norm, said, needed, cue)
            k = len(expected)
            no_finding = k < needed and not (cue and k >= 1 and k + 1 >= needed)
            assert got == expected or (got == set() and no_finding)
