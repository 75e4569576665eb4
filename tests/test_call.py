"""call: the transcript every scorer reads (who speaks, the normalised text, the agent's turns)."""
import pickle

from scorers.call import AGENT, CUSTOMER, Call, Utterance


def _call(*speakers: str) -> Call:
    return Call("C-1", "A-1", [Utterance(s, f"第{i}句", i * 1000, i * 1000 + 500) for i, s in enumerate(speakers)])


def test_an_utterance_knows_who_speaks_and_its_normalised_text():
    agent, customer = Utterance(AGENT, "您好，這裡是銀行"), Utterance(CUSTOMER, "ＡＢＣ")
    assert agent.is_agent and not agent.is_customer
    assert customer.is_customer and not customer.is_agent
    assert agent.norm == "您好,这里是银行" and agent.text == "您好，這裡是銀行"  # Simplified, half-width: what rules match
    assert customer.norm == "abc"


def test_utterances_compare_and_travel_by_what_was_said():
    """Workers send calls back pickled; equality is by speaker, text and times, as before."""
    u = Utterance(AGENT, "您好", 0, 500)
    assert pickle.loads(pickle.dumps(u)) == u and pickle.loads(pickle.dumps(u)).is_agent
    assert u != Utterance(CUSTOMER, "您好", 0, 500)
    assert "is_agent" not in repr(u)


def test_agent_turns_and_the_next_ones_after_a_position():
    call = _call(AGENT, CUSTOMER, CUSTOMER, AGENT, AGENT, CUSTOMER, AGENT)
    assert call.agent_indexes() == [0, 3, 4, 6]
    assert call.next_agent_indexes(1, 2) == [3, 4]
    assert call.next_agent_indexes(4, 5) == [6]
    assert call.next_agent_indexes(6, 1) == []
