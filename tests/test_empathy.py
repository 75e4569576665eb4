"""empathy: met on acknowledgement of feelings; violation when distress goes unanswered."""
import pytest

from tests.helpers import call_of, hits


@pytest.mark.parametrize("agent", [
    "我理解您的心情,我马上帮您看。",
    "換作是我也會著急,我先幫您查一下。",
    "给您添麻烦了,实在抱歉。",
    "让您久等了,查到了。",
    "您先别着急,我这就帮您处理。",
    "这事搁谁身上都闹心,我先帮您登记。",
    "非常抱歉让您白跑了一趟。",
    "碰到这种情况谁都会着急,我能体会。",
    "您慢慢说,我都记着呢。",
    "今天耽误您不少时间,真是对不住。",
    "我完全能理解您的担心。",
    "心里肯定不踏实,这个我明白。",
])
def test_empathy_phrases_are_met(agent):
    assert hits("empathy", call_of("C: 我卡被锁了", f"A: {agent}"), "met") == [1]


@pytest.mark.parametrize("agent", [
    "好的,我理解了,您要办的是挂失。",
    "明白了,您稍等。",
    "不好意思,刚才信号不好没听清,您再说一遍?",
    "您好,请问有什么可以帮您?",
    "请稍等,我帮您查询。",
    "感谢您的来电,再见。",
    "我理解您的意思,是要改还款日。",
    "处理结果会让网点负责人给您赔礼道歉。",
])
def test_courtesy_and_comprehension_are_not_empathy(agent):
    assert hits("empathy", call_of("C: 我想改一下还款日", f"A: {agent}"), "met") == []


def test_distress_unanswered_for_two_agent_turns_is_a_violation():
    call = call_of("A: 您好", "C: 我都打了三次电话了,你们到底怎么回事?", "A: 请提供一下卡号后四位。",
                   "C: 这都第三次了,你们什么破银行!", "A: 好的,这笔还在处理中。", "C: 凭什么?", "A: 一般三个工作日。")
    # one episode while the customer stays upset, reported once where it started
    assert hits("empathy", call, "violation") == [1]


def test_a_new_outburst_after_the_customer_calmed_down_is_a_new_episode():
    call = call_of("A: 您好", "C: 我都打了三次电话了,你们到底怎么回事?", "A: 请提供一下卡号后四位。",
                   "C: 八八二一", "A: 好的,这笔还在处理中。", "C: 你们这什么破银行!", "A: 一般三个工作日。")
    assert hits("empathy", call, "violation") == [1, 5]


def test_distress_answered_within_two_agent_turns_is_fine():
    call = call_of("A: 您好", "C: 烦死了,卡又被冻了!", "A: 请问您的姓名?", "C: 张三",
                   "A: 给您带来不便,真的很抱歉,我这就查。")
    assert hits("empathy", call, "violation") == []


def test_new_episode_after_empathy_is_judged_again():
    call = call_of("A: 您好", "C: 我急死了,钱转错了!", "A: 您别着急,我帮您看。", "C: 好",
                   "A: 需要对方同意才能退回。", "C: 凭什么?我要投诉你们!", "A: 这是规定。", "C: ...",
                   "A: 您可以去网点办理。")
    assert hits("empathy", call, "violation") == [5]


@pytest.mark.parametrize("customer", [
    "我不知道怎么回事,钱又回到卡上了。",
    "LPR是什么?基点又是什么?",
    "但是又不想提前赎回,有什么办法吗?",
    "我想查一下余额。",
    "不着急,你慢慢查。",
    "对,是我本人。",
    "太棒了,这下不用为住的地方担心了,那附近还有网点吗?",  # relief
    "终于不用为房贷的事发愁了,谢谢。",
    "运气总会不太差的,那就先这样。",                          # a negated complaint
])
def test_plain_requests_are_not_distress(customer):
    call = call_of("A: 您好", f"C: {customer}", "A: 好的请稍等。", "C: 嗯", "A: 查到了。")
    assert hits("empathy", call, "violation") == []


def test_customer_side_empathy_words_are_ignored():
    assert hits("empathy", call_of("C: 我理解您的心情,没关系", "A: 好的。"), "met") == []


@pytest.mark.parametrize("agent", [
    "抱歉,周边没有酒店。",
    "不好意思,这款已经卖完了。",
    "实在不好意思,三年期这期已经售罄了。",
    "亲,不好意思哈,这个颜色没货了",
    "對不起,附近沒有符合條件的網點。",
])
def test_an_apology_that_only_softens_a_no_is_courtesy(agent):
    assert hits("empathy", call_of("C: 还有吗?", f"A: {agent}"), "met") == []


@pytest.mark.parametrize("agent", [
    "抱歉让您久等了,没有查到。",
    "真的很抱歉,这么久都没有给您解决。",
    "对不起,系统没有提醒您,是我们的疏忽。",
    "抱歉,没能帮上您。",
])
def test_an_apology_for_the_trouble_is_still_empathy(agent):
    assert hits("empathy", call_of("C: 还有吗?", f"A: {agent}"), "met") == [1]


@pytest.mark.parametrize("customer", ["我很担心这笔钱还能不能回来。", "还要为这个事担心多久?", "服务太差了。"])
def test_worry_that_is_not_relief_is_still_distress(customer):
    call = call_of("A: 您好", f"C: {customer}", "A: 好的请稍等。", "C: 嗯", "A: 查到了。")
    assert hits("empathy", call, "violation") == [1]  # reported where the episode started
