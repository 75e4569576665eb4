"""info_leak: full numbers spoken by the agent, secrets asked for, third-party disclosure."""
import pytest

from scorers.normalize import normalize
from scorers.numbers import find_runs, mask_text
from tests.helpers import call_of, default_scorer, hits

CARD = "6222021001122334458"  # Luhn-valid
ID = "11010519491231002X"     # GB 11643 check character X
SPOKEN_ID = "四四零三零五幺九九二零三幺幺四八三五"
MOBILE = "13812345678"


@pytest.mark.parametrize("agent", [
    f"您的卡号是{CARD}对吧。",
    "您的卡号是6222 0210 0112 2334 458。",
    f"系统显示您身份证号码是{ID}。",
    f"您登记的身分證號碼是{SPOKEN_ID},請問是您本人嗎?",
    f"您预留的手机号是{MOBILE},对吗?",
    "手机号是幺三八幺二三四五六七八。",
    "麻烦您把卡背面那三位安全码报一下。",
    "您把原来设的密码报给我,我核对一下。",
    "我这边给您发了验证码,您收到以后念给我听一下。",
    "请提供一下您的短信验证码。",
    "您把CVV告诉我就行。",
])
def test_leaks_and_solicitations_are_violations(agent):
    assert hits("info_leak", call_of("C: 我想办业务", f"A: {agent}"), "violation") == [1]


@pytest.mark.parametrize("agent", [
    "您尾号1234的卡已经冻结了。",
    "卡号后四位是八八二一对吧?",
    "您的卡号是6222 **** **** 0123。",
    "有问题请拨打95588,或者反诈专线96110。",
    "网点电话是0564-3321678。",
    "这笔金额是一万两千四百三十六元。",
    "任何人问您要验证码都不要给,我们银行也不会问您要。",
    "最后输入您的交易密码就行。",
    "您有没有把验证码告诉对方?",
    "这个码只能您自己输进去。",
    "请您报一下身份证后六位。",
])
def test_masked_public_and_warnings_are_fine(agent):
    assert hits("info_leak", call_of("C: 我想办业务", f"A: {agent}"), "violation") == []


def test_customer_reading_own_number_is_fine():
    assert hits("info_leak", call_of(f"C: 我卡号是{CARD}", "A: 好的收到。"), "violation") == []


def test_pressing_again_for_the_code_is_a_violation():
    call = call_of("A: 我给您发了个验证码,您念给我一下。", "C: 短信上说请勿告知他人啊",
                   "A: 没事的,我们是官方客服,您念给我就行。")
    assert hits("info_leak", call, "violation") == [0, 2]


def test_third_party_account_facts():
    call = call_of("C: 卡是我老公的,我想查查他转了多少钱", "A: 我看到这张卡余额是三千二,上周转出去五万。")
    assert hits("info_leak", call, "violation") == [1]


def test_third_party_refusal_is_fine():
    call = call_of("C: 我想看看我妈的卡里余额还有多少", "A: 账户信息按规定只能告诉她本人,余额没法提供。")
    assert hits("info_leak", call, "violation") == []


@pytest.mark.parametrize("agent", [
    "麻烦您提供一下卡背后的三位数。",
    "请您把卡的有效期和背面的数字都报一下。",
    "有效期跟背后三个数字麻烦报给我哈",
    "請把卡片背面簽名欄那三位數字念一下。",
])
def test_security_code_in_other_words_is_solicited(agent):
    assert hits("info_leak", call_of("C: 我想办业务", f"A: {agent}"), "violation") == [1]


@pytest.mark.parametrize("customer, agent", [
    ("我爸那张信用卡这个月账单多少啊", "您父亲这张卡本期账单应还金额是五千六百二十元。"),
    ("我帮我爸查下他的卡有没有收到一笔转账", "有的,昨天下午有一笔三万元的转账转入,付款人是张某某。"),
    ("亲 我帮我老公问下他那个贷款还欠多少", "亲,查到了哈,贷款剩余本金还有十二万八千元哦"),
    ("这张卡不是我的,是我儿子的,他让我问问还款", "他这张卡最低还款额是一千二,全额是一万二千元。"),
    ("我問一下我太太那張卡有沒有錢進來", "有的,今天上午入帳了一筆八千元。"),
    ("喂 我帮我闺女问问 她那个卡里工资到了没有", "到了 今天早上到账四千二百块"),
])
def test_another_persons_balance_bill_loan_or_transfer(customer, agent):
    assert hits("info_leak", call_of(f"C: {customer}", f"A: {agent}"), "violation") == [1]


@pytest.mark.parametrize("customer, agent", [
    ("我想查一下我自己卡里的余额", "您卡里的余额是两万三千元。"),
    ("我想给我老婆的卡转五千块,我卡里还有多少钱", "您卡里余额是两万三千元。"),
    ("我老婆的卡能不能给我转钱", "可以的,同行转账手续费是零元。"),
    ("我爸的卡丢了", "挂失手续费是十元,需要他本人带身份证到网点。"),
    ("我妈让我帮她问问卡里的钱", "您母亲的卡需要她本人来电查询,余额没法提供。"),
])
def test_the_callers_own_account_fees_and_refusals_are_fine(customer, agent):
    assert hits("info_leak", call_of(f"C: {customer}", f"A: {agent}"), "violation") == []


@pytest.mark.parametrize("agent", [
    "电话是59683353,67862009。",
    "网点电话是59683353，67862009，工作日有人接。",
    "景区电话是010-67498258,13699120196。",  # a place's contact list: landline and mobile together
])
def test_phone_lists_are_not_card_or_personal_numbers(agent):
    assert hits("info_leak", call_of("C: 电话多少?", f"A: {agent}"), "violation") == []


def test_a_card_number_in_spaced_groups_is_still_one_number():
    call = call_of("C: 帮我核对卡号", "A: 您的卡号是6222 0210 0112 2334 458,对吗?")
    assert hits("info_leak", call, "violation") == [1]


@pytest.mark.parametrize("number", [
    "幺三八六兩六五九幺七五", "138  0013  8000", "138\t0013\t8000", "138\u00a00013\u00a08000", "138\u200b0013\u200b8000",
    "138\u3000\u30000013\u3000\u30008000", "138—0013—8000", "138/0013/8000", "138.0013.8000", "138 - 0013 - 8000",
    "幺三拐勾洞洞幺三八洞洞", "陆贰贰贰零贰幺零零幺贰叁肆伍陆柒捌玖陆",
])
def test_every_way_of_writing_a_number_is_a_leak_and_masked_in_its_evidence(number):
    (finding,) = [f for f in default_scorer("info_leak")(call_of("C: 我想办业务", f"A: 您的号码是{number},对吗?"))
                  if f.outcome == "violation"]
    assert finding.rule_id == "info_leak.full_number"
    assert find_runs(finding.evidence) == [] and find_runs(normalize(finding.evidence)) == []
    assert finding.evidence[finding.span_start:finding.span_end] == mask_text(number)  # the span is the number


@pytest.mark.parametrize("turns, where", [
    (["A: 您预留的手机号是13800", "A: 138000,对吗?"], 2),
    (["A: 您预留的手机号是幺三八洞洞", "C: 嗯", "A: 幺三八洞洞洞,对吗?"], 3),
    (["A: 您的身份证号是110105", "A: 194912", "A: 31002X,对吧"], 3),
])
def test_a_number_read_out_over_several_turns_is_a_leak(turns, where):
    call = call_of("C: 我想办业务", *turns)
    findings = [f for f in default_scorer("info_leak")(call) if f.outcome == "violation"]
    assert [(f.utterance_index, f.rule_id) for f in findings] == [(where, "info_leak.full_number")]
    assert "分" in findings[0].detail and "完整" in findings[0].detail
    f = findings[0]
    assert f.evidence[f.span_start:f.span_start + 2] == "**"  # masked as a share of the whole number


@pytest.mark.parametrize("turns", [
    ["A: 您尾号是3867", "A: 12月5日到期"],
    ["A: 我的工号是13800", "A: 13800号文件您看一下"],
    ["C: 我的手机是13800", "C: 138000", "A: 好的收到"],  # the customer's own number
])
def test_short_numbers_in_consecutive_turns_are_no_leak(turns):
    assert hits("info_leak", call_of("C: 我想办业务", *turns), "violation") == []
