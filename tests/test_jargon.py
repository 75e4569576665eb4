"""jargon: unexplained terms of the trade, whole words only, customer's words excepted."""
import pytest

from scorers.lexicon import load_terms
from tests.helpers import DEFAULT_RUBRIC, call_of, default_scorer, hits


@pytest.mark.parametrize("agent", [
    "这笔是被对方银行退汇了。",
    "您这笔贷款是按LPR加点定价的。",
    "系统提示需要补充反洗钱尽调。",
    "这款是净值型的,看业绩比较基准。",
    "您这张卡是二类户,非柜面转账有限额。",
    "我们先帮您发起调单,再看要不要走拒付。",
    "提交以后系统会重新评估您的授信。",
    "您近三个月的硬查询次数偏多。",
    "這筆款項目前還在途,明天到。",
    "這款產品風險等級是R3。",
    "需要先做一下kyc。",
])
def test_unexplained_terms_are_violations(agent):
    assert hits("jargon", call_of("C: 我想问一下", f"A: {agent}"), "violation") == [1]


@pytest.mark.parametrize("agent", [
    "LPR,也就是贷款市场报价利率,简单说就是房贷利率参考的基准。",
    "这个要做容时容差处理,简单说就是晚三天还也不算逾期。",
    "您的利息和余额都正常,转账手续费是零。",
    "理财产品不保本,还款日是每月5号。",
    "公司发展期间,我们推出了很多服务。",    # 展期 inside 发展期间
    "这是我们的R35新款卡。",                   # R3 inside R35
    "您的密码锁了,需要去柜台重置。",
])
def test_explained_everyday_or_embedded_terms_are_fine(agent):
    assert hits("jargon", call_of("C: 我想问一下", f"A: {agent}"), "violation") == []


def test_customer_said_it_first():
    call = call_of("C: 我这个理财显示破净了,净值才零点九八。", "A: 是的,现在净值确实低于一。")
    assert hits("jargon", call, "violation") == []


def test_explained_in_the_next_agent_utterance():
    call = call_of("C: 手机上能重置吗?", "A: 您这张是二类户,手机上重置不了。", "C: 什么户?没听懂。",
                   "A: 就是当初在手机上开的电子账户,功能比普通卡少一些。")
    assert hits("jargon", call, "violation") == []


def test_once_explained_later_uses_are_fine():
    call = call_of("C: 利率为什么没降?", "A: 您的利率跟LPR挂钩,LPR全名叫贷款市场报价利率。", "C: 哦",
                   "A: 明年一月按新的LPR重新算。")
    assert hits("jargon", call, "violation") == []


def test_one_finding_per_utterance_lists_every_term():
    call = call_of("C: 怎么回事", "A: 这笔被退汇了,资金还在途。")
    findings = default_scorer("jargon")(call)
    assert len(findings) == 1
    assert "退汇" in findings[0].detail and "在途" in findings[0].detail


def test_lexicon_is_broad_and_glossed():
    lexicon = load_terms(DEFAULT_RUBRIC.parent / "lexicons" / "jargon.yaml")
    assert len(lexicon.terms) >= 150
    assert all(t.gloss.strip() for t in lexicon.terms)
    assert {"利息", "余额", "转账", "手续费", "理财产品", "密码"} <= set(lexicon.everyday_words)


@pytest.mark.parametrize("agent", [
    "这笔走的是网联通道,还在处理。",
    "这笔是银联通道扣款。",
    "快捷支付通道那边还没返回。",
    "代付通道暂时有延迟。",
    "系统做了设备指纹校验没有通过。",
    "您的风险等级是C3,这款是PR4的。",
    "这款是按摊余成本法估值的。",
    "這款用的是市值法。",
    "系统提示您命中了多头借贷。",
    "触发了反欺诈规则。",
])
def test_channel_risk_and_valuation_terms_are_jargon(agent):
    assert hits("jargon", call_of("C: 怎么回事?", f"A: {agent}"), "violation") == [1]


def test_a_channel_explained_in_the_next_turn_is_fine():
    call = call_of("A: 这笔走的是网联通道。", "C: 什么通道?", "A: 就是微信、支付宝付款时连接银行的转接平台。")
    assert hits("jargon", call, "violation") == []


def test_everyday_payment_words_alone_are_fine():
    call = call_of("C: 能用快捷支付吗?", "A: 可以的,银联卡都支持快捷支付。")
    assert hits("jargon", call, "violation") == []


@pytest.mark.parametrize("agent", [
    "出发地附近的地铁站是三元桥地铁站C2口,目的地是双井地铁站A口。",
    "地址在呼家楼站c1口出来右转。",
    "您从B1出口出来就能看到网点。",
])
def test_a_code_that_names_an_exit_or_building_is_not_jargon(agent):
    assert hits("jargon", call_of("C: 网点怎么走", f"A: {agent}"), "violation") == []


@pytest.mark.parametrize("agent", [
    "您的风险等级是C2,这款产品您买不了。",
    "利率按LPR口径计算。",
    "C2客户只能买R2及以下的产品。",
])
def test_the_same_codes_as_terms_still_are(agent):
    assert hits("jargon", call_of("C: 我想买理财", f"A: {agent}"), "violation") == [1]
