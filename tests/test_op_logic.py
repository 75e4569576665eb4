"""all / any / not: three-valued logic (unknown stays unknown), evidence choice, evaluation order by cost."""
import pytest

from scorers.config import ConfigError
from scorers.operators import Condition, Context, Hit, Hits
from scorers.operators.logic import All, Any, Not
from tests.op_helpers import EMPTY, condition, dialogue, evaluate, found, timed, unknown

T, F, U = "T", "F", "U"  # what a child says of one utterance: holds, does not hold, cannot tell


class Fixed(Condition):
    """A child with a set answer per utterance, recording which utterances it was asked about."""

    def __init__(self, name, answers, cost=5, span=(1, 2)):
        self.name, self.answers, self.cost, self.span, self.asked = name, answers, cost, span, []

    def evaluate(self, ctx, within):
        self.asked.append(list(within))
        hits = Hits()
        for i in within:
            if self.answers[i] == T:
                hits.found[i] = Hit(*self.span, self.name, f"by {self.name}")
            elif self.answers[i] == U:
                hits.unknown.add(i)
        return hits


def judge(op, *answers):
    """The operator over Fixed children, one utterance: 'T', 'F' or 'U'."""
    children = [Fixed(f"c{k}", [a]) for k, a in enumerate(answers)]
    hits = (Not(children[0]) if op == "not" else {"all": All, "any": Any}[op](children)).evaluate(
        Context(dialogue("A: x")), [0])
    assert not (hits.found.keys() & hits.unknown), "an utterance is found or unknown, never both"
    return T if 0 in hits.found else U if 0 in hits.unknown else F


@pytest.mark.parametrize("op, answers, expected", [  # Kleene's strong three-valued logic
    ("not", [T], F), ("not", [F], T), ("not", [U], U),
    ("all", [T, T], T), ("all", [T, F], F), ("all", [F, T], F), ("all", [T, U], U), ("all", [U, T], U),
    ("all", [U, F], F), ("all", [F, U], F), ("all", [U, U], U), ("all", [T, T, U], U),
    ("any", [T, F], T), ("any", [F, T], T), ("any", [F, F], F), ("any", [U, F], U), ("any", [F, U], U),
    ("any", [U, T], T), ("any", [T, U], T), ("any", [U, U], U),
])
def test_three_valued_truth_table(op, answers, expected):
    assert judge(op, *answers) == expected


def test_all_runs_cheap_children_first_and_passes_on_survivors():
    """The role filter (cost 1) runs before the text child (cost 5), which sees only the agent's utterances."""
    text = Fixed("text", [T, T, T, F], cost=5)
    role = Fixed("role:agent", [T, F, T, T], cost=1, span=(0, 0))
    timing = Fixed("timing", [T, U, U, T], cost=3)
    hits = All([text, role, timing]).evaluate(Context(dialogue("A: a", "C: b", "A: c", "A: d")), range(4))
    assert role.asked == [[0, 1, 2, 3]] and timing.asked == [[0, 2, 3]] and text.asked == [[0, 2, 3]]
    assert sorted(hits.found) == [0] and hits.unknown == {2}


def test_all_stops_when_nothing_survives():
    later = Fixed("text", [T, T])
    hits = All([Fixed("role:agent", [F, F], cost=1), later]).evaluate(Context(dialogue("C: a", "C: b")), range(2))
    assert later.asked == [] and hits.found == {} and hits.unknown == set()


def test_any_judges_later_children_only_where_earlier_ones_did_not_hold():
    first, second = Fixed("a", [T, F, U]), Fixed("b", [T, T, T])
    hits = Any([first, second]).evaluate(Context(dialogue("A: a", "A: b", "A: c")), range(3))
    assert second.asked == [[1, 2]] and sorted(hits.found) == [0, 1, 2]
    assert hits.found[0].rule == "any.a" and hits.found[2].rule == "any.b"


def test_all_evidence_is_the_first_child_written_that_points_at_words():
    spec = {"all": [{"role": "agent"}, {"keywords": ["系统"]}, {"regex": "问题"}]}
    hit = evaluate(spec, dialogue("A: 那是系统的问题")).found[0]
    assert (hit.start, hit.end, hit.rule, hit.detail) == (2, 4, "all.keywords.any", "「系统」")
    hit = evaluate({"all": [{"regex": "问题"}, {"keywords": ["系统"]}]}, dialogue("A: 那是系统的问题")).found[0]
    assert (hit.start, hit.end, hit.rule) == (5, 7, "all.regex")


def test_all_of_role_and_position_only_keeps_the_first_written():
    hit = evaluate({"all": [{"position": {"first": 1}}, {"role": "agent"}]}, dialogue("A: 喂")).found[0]
    assert (hit.start, hit.end, hit.rule) == (0, 0, "all.position:first")


def test_greeting_criterion():
    """rubrics/default.yaml greeting: the agent's first utterance without 您好/你好; evidence says what is missing."""
    spec = {"all": [{"position": {"first": 1, "speaker": "agent"}}, {"keywords": {"none": [["您好", "你好"]]}}]}
    hits = evaluate(spec, dialogue("C: 喂?", "A: 说吧,什么问题?", "A: 您好"))
    assert sorted(hits.found) == [1]
    assert hits.found[1].rule == "all.keywords.none" and "您好" in hits.found[1].detail
    assert found(spec, dialogue("C: 喂?", "A: 你好,信用卡中心,请问有什么可以帮您?", "A: 喂?")) == []


def test_several_keys_in_one_mapping_mean_all():
    call = dialogue("A: 系统", "C: 系统", "A: 无")
    assert found({"role": "agent", "keywords": ["系统"]}, call) == [0]
    assert found({"all": [{"role": "agent"}, {"keywords": ["系统"]}]}, call) == [0]


def test_not_points_at_the_whole_utterance():
    hits = evaluate({"not": {"keywords": ["您好", "你好"]}}, dialogue("A: 喂", "A: 您好", "C: 嗯"))
    assert sorted(hits.found) == [0, 2]
    assert (hits.found[0].start, hits.found[0].end, hits.found[0].rule) == (0, 0, "not.keywords")
    assert evaluate({"not": {"lexicon": {"file": "lexicons/service.yaml", "list": "taboo"}}},
                    dialogue("A: 好")).found[0].rule == "not.lexicon:taboo"


def test_not_of_unknown_stays_unknown_with_real_timing():
    """No timestamps: a silence cannot be judged, and neither can its absence."""
    spec = {"not": {"silence": {"over_s": 20}}}
    call = dialogue("A: 您好", "C: 嗯", "A: 查到了")
    assert found(spec, call) == [0] and unknown(spec, call) == [1, 2]   # the first has no gap before it
    timed_call = timed(("A", "您好", 0, 1000), ("C", "嗯", 21001, 22000), ("A", "查到了", 23000, 24000))
    assert found(spec, timed_call) == [0, 2] and unknown(spec, timed_call) == []


@pytest.mark.parametrize("turns, found_at, unknown_at", [
    ([("A", "好的", 0, 1000), ("C", "嗯", 2000, 3000), ("A", "查到了", 30000, 31000)], [2], []),
    ([("A", "好的", 0, 1000), ("C", "嗯", 2000, 3000), ("A", "查到了", 23000, 24000)], [], []),  # 20 s: not over
    ([("A", "好的", 0, 1000), ("C", "嗯", 2000, None), ("A", "查到了", 30000, 31000)], [], [2]),
    ([("A", "好的", 0, 1000), ("C", "嗯", None, None), ("A", "查到了", None, None)], [], [2]),
])
def test_all_with_an_unknown_child_is_unknown_not_a_violation(turns, found_at, unknown_at):
    spec = {"all": [{"role": "agent"}, {"silence": {"over_s": 20}}]}
    hits = evaluate(spec, timed(*turns))
    assert sorted(hits.found) == found_at and sorted(hits.unknown) == unknown_at
    assert hits.not_applicable == (not found_at and bool(unknown_at))


def test_a_false_child_decides_even_when_another_is_unknown():
    """The customer's utterance without timestamps is no agent silence: false, not unknown."""
    spec = {"all": [{"role": "agent"}, {"silence": {"over_s": 20}}]}
    assert unknown(spec, dialogue("A: 好的", "C: 嗯")) == []
    assert unknown({"any": [{"role": "customer"}, {"silence": {"over_s": 20}}]}, dialogue("A: 好", "C: 嗯", "A: 好")) \
        == [2]


def test_empty_call():
    for spec in ({"all": [{"role": "agent"}, {"keywords": ["a"]}]}, {"any": [{"role": "agent"}, {"keywords": ["a"]}]},
                 {"not": {"keywords": ["a"]}}):
        hits = evaluate(spec, EMPTY)
        assert hits.found == {} and hits.unknown == set() and not hits.not_applicable


def test_one_child_is_the_child_itself_and_costs_are_inherited():
    assert condition({"all": [{"role": "agent"}]}).label == "role"
    assert condition({"any": [{"keywords": ["a"]}]}).label == "keywords"
    assert condition({"all": [{"role": "agent"}, {"regex": "a"}]}).cost == 5
    assert condition({"not": {"silence": {"over_s": 3}}}).cost == 3
    assert found({"all": [{"role": "agent"}]}, dialogue("A: a", "C: b")) == [0]


@pytest.mark.parametrize("spec, key, fragment", [
    ({"all": []}, "criteria.c.violation_when.all", "all takes a non-empty list of conditions"),
    ({"any": {"role": "agent"}}, "criteria.c.violation_when.any", "any takes a non-empty list of conditions"),
    ({"not": [{"role": "agent"}]}, "criteria.c.violation_when.not", "write not: {any: [...]}"),
    ({"not": "agent"}, "criteria.c.violation_when.not", "a condition is a mapping of operators"),
    ({"not": {}}, "criteria.c.violation_when.not", "a condition is a mapping of operators"),
    ({"all": [{"role": "agent"}, "x"]}, "criteria.c.violation_when.all[1]", "a condition is a mapping"),
    ({"all": [{"role": "agnt"}]}, "criteria.c.violation_when.all[0].role", "(did you mean 'agent'?)"),
    ({"any": [{"role": "agent"}, {"keywrds": ["a"]}]}, "criteria.c.violation_when.any[1].keywrds",
     "(did you mean 'keywords'?)"),
    ({"al": [{"role": "agent"}]}, "criteria.c.violation_when.al", "(did you mean 'all'?)"),
    ({"not": {"all": [{"role": "agent"}, {"regex": "("}]}}, "criteria.c.violation_when.not.all[1].regex[0]",
     "invalid regular expression"),
])
def test_errors_name_the_key(spec, key, fragment):
    with pytest.raises(ConfigError) as info:
        condition(spec)
    assert info.value.key == key and fragment in str(info.value)
    assert str(info.value).startswith(str(info.value.file))
