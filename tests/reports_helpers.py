"""Scorecards for the report tests, made the way production makes them.

A few calls over three nights are written as JSONL and scored by
:func:`scorers.batch.run_batch` with the default rubric, so the reports are
tested against real scorecards rather than hand-made tables. Built once per
test process (scoring loads jieba); tests that write reviews work on a copy.
"""
from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from scorers.batch import run_batch
from scorers.rubric import load_rubric

# The default rubric's five core criteria, frozen (see the file): scores here must not move
# whenever the bank's default rubric gains a criterion.
REPORTS_RUBRIC = Path(__file__).resolve().parent / "fixtures" / "reports_rubric.yaml"

CARD = "6222021001122334458"  # Luhn-valid; spoken in full by an agent
NIGHTS = ("2026-11-18", "2026-11-19", "2026-11-20")

GREETING = "您好,很高兴为您服务,请问有什么可以帮您?"
CLOSING = "请问还有其他可以帮您的吗?"


def _call(call_id: str, agent: str, team: str, night: str, hour: int, turns: list[tuple[str, str]]) -> dict:
    utterances, t = [], 0
    for speaker, text in turns:
        utterances.append({"speaker": speaker, "text": text, "start_ms": t, "end_ms": t + 3000})
        t += 4000
    return {"call_id": call_id, "agent_id": agent, "team": team, "channel": "phone",
            "started_at": f"{night}T{hour:02d}:15:00+08:00", "utterances": utterances}


def _good(call_id, agent, team, night, hour):
    return _call(call_id, agent, team, night, hour, [
        ("agent", GREETING), ("customer", "我前天转了一笔钱到现在还没到"),
        ("agent", "跟您确认一下,您是想查询前天那笔转账为什么还没到账,对吗?"), ("customer", "对"),
        ("agent", "这笔转账目前显示处理中,一般一到三个工作日到账。"), ("agent", CLOSING)])


def _complaint_empathy(call_id, agent, team, night, hour):
    return _call(call_id, agent, team, night, hour, [
        ("agent", GREETING), ("customer", "你们这个服务也太差了,我都打了三次电话了!"),
        ("agent", "真的很抱歉给您添麻烦了,我马上帮您处理。"), ("customer", "我的卡好像被锁了"),
        ("agent", "好的,已经帮您核实了身份。"), ("agent", CLOSING)])


def _leak(call_id, agent, team, night, hour):
    return _call(call_id, agent, team, night, hour, [
        ("agent", GREETING), ("customer", "我想查一下我信用卡这个月的账单"),
        ("agent", f"您的卡号是{CARD}对吧。"), ("customer", "对"),
        ("agent", "您的账单金额是3200元,最后还款日是8号。"), ("agent", CLOSING)])


def _promise(call_id, agent, team, night, hour):
    return _call(call_id, agent, team, night, hour, [
        ("agent", GREETING), ("customer", "我想问一下这个理财产品的收益怎么样"),
        ("agent", "这款您放心,保本保息,收益肯定比存款高。"), ("customer", "你们这个服务也太差了,我都打了三次电话了!"),
        ("agent", "按LPR加点重新定价就行。"), ("agent", "好的,请您稍等。"), ("agent", CLOSING)])


# agent -> (team, the kinds of call it makes on each night)
PLAN = {
    "A1001": ("零售客服一组", [[_good, _good], [_good, _complaint_empathy], [_good, _good]]),
    "A1002": ("零售客服一组", [[_good, _complaint_empathy], [_leak, _good], [_promise, _leak]]),
    "A1003": ("零售客服二组", [[_promise, _good], [_complaint_empathy, _good], [_good, _promise]]),
}


def write_calls(path: Path) -> Path:
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for agent, (team, nights) in PLAN.items():
            for night, makers in zip(NIGHTS, nights):
                for hour, make in enumerate(makers, start=9):
                    n += 1
                    f.write(json.dumps(make(f"T-{n:03d}", agent, team, night, hour), ensure_ascii=False) + "\n")
    return path


@lru_cache(maxsize=1)
def _built() -> tuple[Path, Path]:
    root = Path(tempfile.mkdtemp(prefix="callqa-reports-"))
    atexit.register(shutil.rmtree, root, True)
    calls = write_calls(root / "calls.jsonl")
    run_batch(calls, root / "out", load_rubric(REPORTS_RUBRIC))
    return calls, root / "out"


def scorecards(copy_to: Path | None = None) -> tuple[Path, Path]:
    """(calls.jsonl, scorecard folder); with ``copy_to``, a private copy of the folder."""
    calls, out = _built()
    if copy_to is None:
        return calls, out
    shutil.copytree(out, copy_to, ignore=shutil.ignore_patterns("reports", "reviews"))
    return calls, copy_to


# --- built reports, shared by the read-only tests -------------------------------------------

SINCE, UNTIL = "2026-11-19", "2026-11-20"  # the period; 2026-11-17..18 is the previous one


@lru_cache(maxsize=1)
def built_reports() -> tuple[Path, Path, Path]:
    """(scorecards, agents site, compliance site) built once, with no reviews."""
    from scorers.reports import build_agent_report, build_compliance_report

    _, out = _built()
    rubric = load_rubric(REPORTS_RUBRIC, build=False)
    root = out.parent / "reports"
    agents = build_agent_report(out, root / "agents", rubric, SINCE, UNTIL)
    compliance = build_compliance_report(out, root / "compliance", rubric)
    return out, agents.dest, compliance.dest


# --- reading pages ---------------------------------------------------------------------------

class PageText(HTMLParser):
    """Visible text of a page (no <style>, no <svg>), the links, and the SVG elements found."""

    def __init__(self):
        super().__init__()
        self.parts, self.links, self.svgs, self.paths = [], [], 0, 0
        self._skip = 0

    BLOCKS = {"div", "p", "td", "th", "tr", "li", "h1", "h2", "h3", "section", "br", "table", "header", "footer",
              "title"}

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self.parts.append(" ")
        if tag in ("style", "svg", "script"):
            self._skip += 1
        if tag == "svg":
            self.svgs += 1
        if tag == "path":
            self.paths += 1
        if tag == "a":
            self.links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.parts.append(" ")
        if tag in ("style", "svg", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


def page(path: Path) -> PageText:
    parser = PageText()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    return parser


LONG_DIGITS = re.compile(r"[0-9](?:[ \-]?[0-9]){10,}")


def long_digit_runs(text: str) -> list[str]:
    """Runs of 11+ digits (spaces and dashes allowed between them): what must never be shown."""
    return LONG_DIGITS.findall(text)


# --- headless Chromium -----------------------------------------------------------------------

CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]


def chromium() -> str:
    """The Chromium binary; installed with apt when missing and running as root, else the test is skipped."""
    import pytest

    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.geteuid() != 0:
        pytest.skip("headless Chromium is not installed and installing it needs root: "
                    "run `apt-get install -y chromium` (Debian) to enable the browser checks")
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(command, capture_output=True, text=True, timeout=900,
                              env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        if done.returncode != 0:
            pytest.skip(f"could not install Chromium ({' '.join(command)} exited {done.returncode}): "
                        f"{done.stderr.strip()[-300:]}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium but no `chromium` binary is on PATH")
    return found


def browse(html: Path, tmp: Path, screenshot: Path | None = None, size: str = "1280,2000") -> str:
    """Open ``html`` from the file system: returns the DOM after rendering, and writes a screenshot."""
    binary = chromium()
    url = Path(html).resolve().as_uri()
    base = [binary, *CHROME_FLAGS, f"--window-size={size}"]
    dom = subprocess.run(base + [f"--user-data-dir={tmp / 'profile-dom'}", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    if screenshot is not None:
        shot = subprocess.run(base + [f"--user-data-dir={tmp / 'profile-shot'}", f"--screenshot={screenshot}", url],
                              capture_output=True, text=True, timeout=120)
        assert shot.returncode == 0 and screenshot.is_file(), shot.stderr[-2000:]
    return dom.stdout


def png_colours(path: Path) -> tuple[tuple[int, int], set]:
    """(size, set of RGB colours) of a screenshot."""
    from PIL import Image

    with Image.open(path) as image:
        rgb = image.convert("RGB")
        return rgb.size, set(c for _, c in rgb.getcolors(maxcolors=1 << 20) or [])
