"""over_promise: guarantees the agent cannot make; disclosures and callbacks are fine."""
import pytest

from tests.helpers import call_of, hits


@pytest.mark.parametrize("agent", [
    "这款产品保本高收益,您放心买。",
    "稳赚不赔的,大家都在买。",
    "您拿到到期,绝对不会亏。",
    "收益肯定有百分之五。",
    "零风险,比存款强多了。",
    "比存款高是一定的。",
    "您这个情况肯定能批下来。",
    "额度百分之百给您提到五万。",
    "我保证今天之内钱一定退回来。",
    "以后绝对不会再出这种问题了。",
    "这个手续费我保证全免。",
    "本金这块您一百个放心。",
    "这个收益基本等于白捡。",
    "批下来是板上钉钉的事。",
    "我們保證下週一之前一定到帳。",
    "這個我百分之百保證,絕對不會上徵信。",
    "到期的时候肯定能涨回来,不会让您亏本金的。",
    "这个收益是有保障的,亏了算我的。",
    "本金绝对安全,您放心。",
    "这个额度稳批。",
    "今年少说也能有十个点。",
    "这个不会影响征信的,我保证。",
])
def test_guarantees_are_violations(agent):
    assert hits("over_promise", call_of("C: 这个靠谱吗?", f"A: {agent}"), "violation") == [1]


@pytest.mark.parametrize("agent", [
    "理财产品不保本,过往业绩不代表未来表现。",
    "我们不承诺收益,有可能出现亏损。",
    "这个我没办法跟您保证,要看审批结果。",
    "具体能不能批,以审批部门的结果为准。",
    "存款受存款保险保护,50万以内全额偿付。",
    "我会在24小时内给您回电告知进度。",
    "我保证明天上午十点前给您回个电话。",
    "一般三到五个工作日到账。",
    "到时候请您保证卡里钱够就行。",
    "转账前一定要核对好户名。",
    "我们银行绝对不会让您把钱转到安全账户。",
    "这个没法跟您打包票。",
    "查过了,您的钱现在肯定是安全的,没有损失。",
    "这笔钱一般两个小时内到账。",
])
def test_disclosures_and_own_commitments_are_fine(agent):
    assert hits("over_promise", call_of("C: 能保证吗?", f"A: {agent}"), "violation") == []


def test_customer_asking_for_a_guarantee_is_not_a_violation():
    assert hits("over_promise", call_of("C: 你能保证保本吗?肯定能批吗?", "A: 这个要看审批。"), "violation") == []


def test_disclosure_and_promise_in_one_utterance_still_flags_the_promise():
    call = call_of("C: 能批吗?", "A: 我不能替审批部门承诺,不过您这情况,额度肯定能批下来。")
    assert hits("over_promise", call, "violation") == [1]


@pytest.mark.parametrize("agent", [
    "放心吧,一分钱都不会亏的。",
    "亏不了的,您就放心吧",
    "这款拿住的人都赚了。",
    "坚持持有的都赚钱了。",
    "买了的客户没有一个亏的。",
    "今晚十二点前肯定回到您卡里。",
    "肯定是对方银行的问题,跟我们没关系。",
    "這筆錢今天一定會退到您帳戶裡。",
])
def test_colloquial_guarantees_are_violations(agent):
    assert hits("over_promise", call_of("C: 这个靠谱吗?", f"A: {agent}"), "violation") == [1]


def test_a_bare_certainly_confirms_the_outcome_next_to_it():
    call = call_of("C: 是对方银行的问题吗?", "A: 是的,肯定的,就是对方银行慢。")
    assert hits("over_promise", call, "violation") == [1]


@pytest.mark.parametrize("agent", [
    "肯定的,我下午三点前给您回电话。",
    "我肯定帮您反馈到对方银行,有结果第一时间通知您。",
    "对方银行的处理时间我这边没办法保证,一般一到三个工作日。",
    "过往业绩不代表未来,拿住的人也不一定都赚。",
    "这款不保本,我没办法保证不亏。",
])
def test_colloquial_near_misses_are_fine(agent):
    assert hits("over_promise", call_of("C: 能保证吗?", f"A: {agent}"), "violation") == []
