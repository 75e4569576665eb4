"""Shared fixtures: call files written to tmp_path, the default rubric, editable rubric copies."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RUBRIC_PATH = ROOT / "rubrics" / "default.yaml"
DEFAULT_UTTERANCES = (("agent", "您好,请问有什么可以帮您?"), ("customer", "我想查一下储蓄卡的余额"))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs the Prefect flow (about 10-20 s); deselect with -m 'not slow'")


def call_record(utterances=DEFAULT_UTTERANCES, call_id: str = "C-1",
                started_at: str | None = "2026-11-20T09:00:00+08:00", agent_id: str | None = "A1001",
                team: str = "零售客服一组", channel: str = "phone", **extra) -> dict:
    """One call as the JSONL contract has it.

    ``utterances`` items are ``(speaker, text)`` (timestamps 3 s apart are
    filled in), ``(speaker, text, start_ms, end_ms)`` or ready-made dicts.
    """
    utts = []
    for i, u in enumerate(utterances):
        if isinstance(u, dict):
            utts.append(u)
        elif len(u) == 2:
            utts.append({"speaker": u[0], "text": u[1], "start_ms": i * 3000, "end_ms": i * 3000 + 2500})
        else:
            speaker, text, start, end = u
            utts.append({"speaker": speaker, "text": text, "start_ms": start, "end_ms": end})
    record = {"call_id": call_id, "agent_id": agent_id, "team": team, "channel": channel,
              "started_at": started_at, "utterances": utts}
    record.update(extra)
    return record


class CallWriter:
    """``make_call(...)`` appends one call to ``tmp_path/input/<file>`` and returns that file's path."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, file: str = "calls.jsonl") -> Path:
        return self.root / file

    def raw(self, line: str, file: str = "calls.jsonl") -> Path:
        """Append a line as is (for malformed records)."""
        path = self.path(file)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(line.rstrip("\n") + "\n")
        return path

    def __call__(self, utterances=DEFAULT_UTTERANCES, call_id: str = "C-1",
                 started_at: str | None = "2026-11-20T09:00:00+08:00", file: str = "calls.jsonl", **kw) -> Path:
        record = call_record(utterances, call_id=call_id, started_at=started_at, **kw)
        return self.raw(json.dumps(record, ensure_ascii=False), file)


@pytest.fixture
def make_call(tmp_path) -> CallWriter:
    return CallWriter(tmp_path / "input")


@pytest.fixture
def prefect_home(request, tmp_path) -> Path:
    """Prefect's run database for flow tests: not ~/.prefect, and kept between test sessions
    in pytest's cache (creating it takes about 10 s)."""
    cache = getattr(request.config, "cache", None)
    return Path(cache.mkdir("prefect_home")) if cache else tmp_path / "prefect_home"


@pytest.fixture(scope="session")
def default_rubric_path() -> Path:
    return DEFAULT_RUBRIC_PATH


@pytest.fixture(scope="session")
def default_rubric(default_rubric_path):
    """The default rubric, loaded once (lexicons and jieba take about a second)."""
    from scorers.rubric import load_rubric

    return load_rubric(default_rubric_path)


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in ``path``; fails loudly when ``old`` is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {path}: the default rubric changed, update the test"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


@pytest.fixture
def rubric_copy(tmp_path) -> Path:
    """A private copy of rubrics/ (default.yaml and lexicons/) next to a link to models/ (the rubric's
    ``model.path: ../models/...`` resolves as in the checkout); returns the copied default.yaml."""
    target = tmp_path / "rubrics"
    shutil.copytree(DEFAULT_RUBRIC_PATH.parent, target)
    (tmp_path / "models").symlink_to(ROOT / "models", target_is_directory=True)
    return target / "default.yaml"


@pytest.fixture(name="edit", scope="session")
def edit_fixture():
    """``edit(path, old, new)``: change a copied rubric or lexicon file in place."""
    return edit


@pytest.fixture(name="call_record", scope="session")
def call_record_fixture():
    """``call_record(utterances, call_id=..., ...)``: one call record as a dict."""
    return call_record


@pytest.fixture
def invoke(monkeypatch):
    """``invoke("score", "--input", ...)``: run the callqa CLI in-process; ``result.text`` is its output
    on one line, printed on consoles wide enough that rich never wraps a path or a message."""
    from typer.testing import CliRunner

    from pipelines import cli

    monkeypatch.setattr(cli.console, "width", 400)
    monkeypatch.setattr(cli.out_console, "width", 400)
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(cli.app, [str(a) for a in args])
        result.text = " ".join(result.output.split())
        return result

    return run
