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
