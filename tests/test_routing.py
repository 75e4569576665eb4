"""routing: which rubric scores which call — team and channel routes, the default, errors that name file and key."""
import re
import shutil
from pathlib import Path

import pytest
import yaml

from pipelines.cli import EXIT_OK, EXIT_UNUSABLE
from scorers.call import Call
from scorers.config import ConfigError
from scorers.routing import Router, as_router, load_routing
from scorers.store import read_dataset

ROOT = Path(__file__).resolve().parents[1]
RUBRICS = ROOT / "rubrics"
ROUTING = RUBRICS / "routing.yaml"


@pytest.fixture
def routing_file(rubric_copy):
    """``routing_file(text)``: a routing file next to the copied rubrics."""
    def write(text: str, name: str = "routing.yaml") -> Path:
        path = rubric_copy.parent / name
        path.write_text(text, encoding="utf-8")
        return path
    return write


def a_call(team: str = "零售客服一组", channel: str = "phone") -> Call:
    return Call("C-1", "A1", [], team=team, channel=channel)


@pytest.fixture(scope="module")
def shipped() -> Router:
    return load_routing(ROUTING, build=False)


# --------------------------------------------------------------------------- the shipped routing file

def test_the_shipped_routing_file(shipped):
    assert shipped.path == ROUTING.resolve()
    assert shipped.default.id == "default" and shipped.default.path == (RUBRICS / "default.yaml").resolve()
    assert [(r.match, r.rubric.id) for r in shipped.routes] == [
        ({"team": frozenset({"财富管理专线"})}, "wealth_outbound"),
        ({"channel": frozenset({"outbound"})}, "wealth_outbound"),
    ]
    assert shipped.routes[0].rubric is shipped.routes[1].rubric  # each rubric file is loaded once
    assert [r.id for r in shipped.rubrics] == ["default", "wealth_outbound"]  # the default first, each once
    assert shipped.by_id("wealth_outbound") is shipped.routes[0].rubric
    assert shipped.by_id("nope") is None


@pytest.mark.parametrize("team, channel, rubric_id", [
    ("零售客服一组", "phone", "default"),
    ("财富管理专线", "phone", "wealth_outbound"),
    ("零售客服一组", "outbound", "wealth_outbound"),
    ("财富管理专线", "outbound", "wealth_outbound"),
    ("  财富管理专线 ", "phone", "wealth_outbound"),       # surrounding spaces ignored
    ("零售客服一组", "OutBound", "wealth_outbound"),          # case ignored
    ("财富管理", "outbound-ivr", "default"),                # no partial matches
    ("", "", "default"),
])
def test_the_shipped_routes(shipped, team, channel, rubric_id):
    assert shipped.rubric_for(a_call(team, channel)).id == rubric_id


def test_the_readme_shows_the_shipped_routing_file():
    readme = routing_section()
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", readme, re.S)]
    routing = [b for b in blocks if isinstance(b, dict) and "routes" in b]
    assert routing == [yaml.safe_load(ROUTING.read_text(encoding="utf-8"))]


def routing_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n### Routing")
    return text[start:text.index("\n### ", start + 1)]


# --------------------------------------------------------------------------- matching

def test_first_matching_route_wins_and_every_key_must_match(routing_file):
    router = load_routing(routing_file("""
default: default.yaml
routes:
  - team: [财富管理专线, 私人银行部]
    channel: outbound
    rubric: wealth_outbound.yaml
  - team: 私人银行部
    rubric: default.yaml
"""), build=False)
    assert router.rubric_for(a_call("私人银行部", "outbound")).id == "wealth_outbound"
    assert router.rubric_for(a_call("财富管理专线", "outbound")).id == "wealth_outbound"
    assert router.rubric_for(a_call("财富管理专线", "phone")).id == "default"   # team alone is not enough
    assert router.rubric_for(a_call("私人银行部", "phone")).id == "default"      # the second route
    assert router.routes[0].match == {"team": frozenset({"财富管理专线", "私人银行部"}),
                                      "channel": frozenset({"outbound"})}


def test_a_routing_file_without_routes_sends_every_call_to_the_default(routing_file):
    router = load_routing(routing_file("default: wealth_outbound.yaml\nroutes:\n"), build=False)
    assert router.routes == []
    assert router.rubric_for(a_call()).id == "wealth_outbound"


def test_paths_are_relative_to_the_routing_file(rubric_copy, tmp_path):
    elsewhere = tmp_path / "config" / "routing.yaml"
    elsewhere.parent.mkdir()
    elsewhere.write_text("default: ../rubrics/default.yaml\nroutes:\n  - channel: outbound\n"
                         "    rubric: ../rubrics/wealth_outbound.yaml\n", encoding="utf-8")
    router = load_routing(elsewhere, build=False)
    assert router.default.path == rubric_copy.resolve()
    assert router.routes[0].rubric.path == (rubric_copy.parent / "wealth_outbound.yaml").resolve()


def test_a_single_rubric_gets_every_call(shipped):
    router = Router.single(shipped.default)
    assert router.rubric_for(a_call("财富管理专线", "outbound")) is shipped.default
    assert router.rubrics == [shipped.default] and router.path is None
    assert as_router(shipped.default).rubrics == [shipped.default]
    assert as_router(shipped) is shipped


def test_routing_builds_the_rubrics_it_names():
    router = load_routing(ROUTING)
    for rubric in router.rubrics:
        assert all(callable(c.scorer) for c in rubric.criteria)


# --------------------------------------------------------------------------- errors

# (routing file, key named in the error, fragments of the problem)
BROKEN = {
    "top-level typo": ("defualt: default.yaml\n", "defualt",
                       ["unknown key (did you mean 'default'?)", "allowed: default, routes, version, description"]),
    "routes typo": ("default: default.yaml\nroute:\n  - team: x\n    rubric: default.yaml\n", "route",
                    ["unknown key (did you mean 'routes'?)"]),
    "default missing": ("routes: []\n", "default", ["missing: the rubric for calls no route matches"]),
    "default not a path": ("default: 3\n", "default", ["must be a rubric file", "got 3"]),
    "route key typo": ("default: default.yaml\nroutes:\n  - teams: 财富管理专线\n    rubric: wealth_outbound.yaml\n",
                       "routes[0].teams", ["unknown key (did you mean 'team'?)", "a route matches on team, channel"]),
    "channel typo": ("default: default.yaml\nroutes:\n  - chanel: outbound\n    rubric: wealth_outbound.yaml\n",
                     "routes[0].chanel", ["(did you mean 'channel'?)"]),
    "rubric key typo": ("default: default.yaml\nroutes:\n  - team: 财富管理专线\n    rubrc: wealth_outbound.yaml\n",
                        "routes[0].rubrc", ["(did you mean 'rubric'?)"]),
    "rubric missing": ("default: default.yaml\nroutes:\n  - team: 财富管理专线\n", "routes[0].rubric", ["missing"]),
    "route matches nothing": ("default: default.yaml\nroutes:\n  - rubric: wealth_outbound.yaml\n", "routes[0]",
                              ["matches nothing: give team and/or channel"]),
    "empty value list": ("default: default.yaml\nroutes:\n  - team: []\n    rubric: wealth_outbound.yaml\n",
                         "routes[0].team", ["must be a value or a list of values, got []"]),
    "blank value": ("default: default.yaml\nroutes:\n  - team: [财富管理专线, ' ']\n    rubric: wealth_outbound.yaml\n",
                    "routes[0].team", ["must be a value or a list of values"]),
    "routes not a list": ("default: default.yaml\nroutes: {team: 财富管理专线}\n", "routes",
                          ["must be a list of {team or channel, rubric}"]),
    "route not a mapping": ("default: default.yaml\nroutes:\n  - wealth_outbound.yaml\n", "routes[0]",
                            ["must be a mapping like {team: 财富管理专线, rubric: wealth_outbound.yaml}"]),
    "not a mapping": ("- default.yaml\n", "(file)", ["a routing file is a mapping with default and routes"]),
    "empty file": ("", "(file)", ["a routing file is a mapping with default and routes"]),
}


@pytest.mark.parametrize("text, key, fragments", list(BROKEN.values()), ids=list(BROKEN))
def test_routing_errors_name_file_and_key(routing_file, text, key, fragments):
    path = routing_file(text)
    with pytest.raises(ConfigError) as info:
        load_routing(path, build=False)
    assert info.value.key == key
    assert str(info.value).startswith(f"{path}: {key}: ")
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize("text, key", [
    ("default: defualt.yaml\n", "default"),
    ("default: default.yaml\nroutes:\n  - team: 财富管理专线\n    rubric: wealth.yaml\n", "routes[1].rubric"),
])
def test_a_routing_file_whose_rubric_is_missing(routing_file, text, key):
    text = text.replace("routes:\n", "routes:\n  - channel: outbound\n    rubric: wealth_outbound.yaml\n")
    path = routing_file(text)
    with pytest.raises(ConfigError) as info:
        load_routing(path, build=False)
    missing = (path.parent / re.search(r"(\w+\.yaml)\n$", text).group(1)).resolve()
    assert info.value.key == key
    assert str(info.value) == f"{path}: {key}: rubric file not found: {missing}"


def test_a_rubric_removed_after_the_routing_file_was_written(rubric_copy):
    (rubric_copy.parent / "wealth_outbound.yaml").unlink()
    routing = rubric_copy.parent / "routing.yaml"
    with pytest.raises(ConfigError) as info:
        load_routing(routing, build=False)
    assert (info.value.file, info.value.key) == (str(routing), "routes[0].rubric")
    assert "rubric file not found" in str(info.value)


def test_a_broken_rubric_behind_the_routing_file_names_the_rubric(rubric_copy, edit):
    wealth = rubric_copy.parent / "wealth_outbound.yaml"
    edit(wealth, "    severity: critical\n    veto: true\n    coaching: 客户同意购买前",
         "    severity: critcal\n    veto: true\n    coaching: 客户同意购买前")
    with pytest.raises(ConfigError) as info:
        load_routing(rubric_copy.parent / "routing.yaml", build=False)
    assert info.value.file == str(wealth.resolve())
    assert info.value.key == "criteria.disclose_not_guaranteed.severity"
    assert "(did you mean 'critical'?)" in str(info.value)


def test_two_rubric_files_with_one_id_are_refused(rubric_copy, routing_file):
    shutil.copy(rubric_copy, rubric_copy.parent / "default_copy.yaml")
    path = routing_file("default: default.yaml\nroutes:\n  - channel: outbound\n    rubric: default_copy.yaml\n")
    with pytest.raises(ConfigError) as info:
        load_routing(path, build=False)
    assert info.value.key == "routes"
    assert "two rubric files share the id 'default'" in str(info.value)
    assert "their scorecards would overwrite each other" in str(info.value)


def test_the_same_file_twice_is_one_rubric(routing_file):
    router = load_routing(routing_file("default: default.yaml\nroutes:\n  - channel: outbound\n"
                                       "    rubric: ./default.yaml\n"), build=False)
    assert router.routes[0].rubric is router.default
    assert [r.id for r in router.rubrics] == ["default"]


# --------------------------------------------------------------------------- which routing a run uses

def test_rubric_overrides_routing_and_routing_file_is_used_otherwise(rubric_copy, routing_file):
    from pipelines.paths import load_router

    routing = routing_file("default: wealth_outbound.yaml\n", name="other_routing.yaml")
    only = load_router(rubric_copy, routing)
    assert only.routes == [] and only.path is None and only.default.id == "default"
    routed = load_router(None, routing)
    assert routed.path == routing.resolve() and routed.default.id == "wealth_outbound"


def test_default_routing_file_and_environment(monkeypatch, tmp_path):
    from pipelines import paths

    monkeypatch.delenv("CALLQA_ROUTING", raising=False)
    monkeypatch.delenv("CALLQA_RUBRIC", raising=False)
    assert paths.default_routing() == paths.DEFAULT_RUBRIC.parent / "routing.yaml"
    assert paths.default_routing().resolve() == ROUTING.resolve()
    monkeypatch.setenv("CALLQA_RUBRIC", str(tmp_path / "mine.yaml"))
    assert paths.default_routing() is None  # one rubric for every call
    monkeypatch.setenv("CALLQA_ROUTING", str(tmp_path / "routing.yaml"))
    assert paths.default_routing() == tmp_path / "routing.yaml"


# --------------------------------------------------------------------------- the command line



def test_rubric_check_of_a_routing_file(invoke):
    result = invoke("rubric", "check", ROUTING)
    assert result.exit_code == EXIT_OK, result.output
    assert (f"ok: routing {ROUTING} — default default; team=['财富管理专线'] → wealth_outbound; "
            "channel=['outbound'] → wealth_outbound") in result.text
    assert "ok: default@" in result.text and "ok: wealth_outbound@" in result.text


def test_rubric_check_of_a_broken_routing_file(invoke, routing_file):
    path = routing_file("default: default.yaml\nroutes:\n  - teams: 财富管理专线\n    rubric: wealth_outbound.yaml\n")
    result = invoke("rubric", "check", path)
    assert result.exit_code == EXIT_UNUSABLE
    assert f"rubric error {path}: routes[0].teams: unknown key (did you mean 'team'?)" in result.text


def test_score_routes_each_call_and_rubric_scores_all_with_one(invoke, make_call, rubric_copy, tmp_path):
    make_call(call_id="R-1")
    make_call(call_id="W-1", team="财富管理专线")
    path = make_call(call_id="O-1", channel="Outbound")
    routing = rubric_copy.parent / "routing.yaml"

    result = invoke("score", "-i", path, "-o", tmp_path / "routed", "-q", "--routing", routing)
    assert result.exit_code == EXIT_OK, result.output
    rows = read_dataset(tmp_path / "routed", "calls").to_pandas().set_index("call_id")
    assert rows["rubric_id"].to_dict() == {"R-1": "default", "W-1": "wealth_outbound", "O-1": "wealth_outbound"}
    assert rows.loc["W-1", "disclose_not_guaranteed_status"] == "not_applicable"  # no purchase in the call

    result = invoke("score", "-i", path, "-o", tmp_path / "single", "-q", "--routing", routing, "--rubric",
                    rubric_copy)
    assert result.exit_code == EXIT_UNUSABLE and "not both" in result.text  # one would be ignored silently
    result = invoke("score", "-i", path, "-o", tmp_path / "single", "-q", "--rubric", rubric_copy)
    assert result.exit_code == EXIT_OK, result.output
    rows = read_dataset(tmp_path / "single", "calls").to_pandas()
    assert set(rows["rubric_id"]) == {"default"}


def test_score_with_a_broken_routing_file_scores_nothing(invoke, make_call, routing_file, tmp_path):
    path = routing_file("default: default.yaml\nroutes:\n  - team: 财富管理专线\n    rubric: wealth.yaml\n")
    result = invoke("score", "-i", make_call(), "-o", tmp_path / "out", "--routing", path)
    assert result.exit_code == EXIT_UNUSABLE
    assert f"rubric error {path}: routes[0].rubric: rubric file not found" in result.text
    assert not (tmp_path / "out").exists()
