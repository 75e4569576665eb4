"""info_leak: full numbers spoken by the agent, secrets asked for, third-party disclosure."""
import pytest

from tests.helpers import call_of, hits

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
