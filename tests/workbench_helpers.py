"""A workbench over the report tests' scorecards: accounts, an app, signed-in clients.

The scorecards are :mod:`reports_helpers`' (three agents, two teams, three
nights, scored by the production batch); each test gets a private copy, since
the workbench writes decisions, appeals and coaching notes into it.
"""
from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from reports_helpers import REPORTS_RUBRIC, scorecards
from scorers.rubric import load_rubric
from scorers.workbench.app import create_app
from scorers.workbench.users import add_user

PASSWORDS = {"张三": "compliance-pass-1", "coachA": "coach-pass-one-1", "lead": "qa-lead-pass-1",
             "coachB": "coach-pass-two-2"}
TEAM_A, TEAM_B = "零售客服一组", "零售客服二组"  # A1001, A1002 are team A; A1003 team B


def workbench(tmp_path: Path):
    """(app, scorecards, users file) with a compliance officer, a QA lead and a coach per team."""
    _, out = scorecards(copy_to=tmp_path / "out")
    users = tmp_path / "users.json"
    add_user(users, "张三", "compliance", password=PASSWORDS["张三"])
    add_user(users, "coachA", "coach", [TEAM_A], password=PASSWORDS["coachA"])
    add_user(users, "coachB", "coach", [TEAM_B], password=PASSWORDS["coachB"])
    add_user(users, "lead", "qa_lead", password=PASSWORDS["lead"])
    app = create_app(out, users, load_rubric(REPORTS_RUBRIC, build=False), secret=b"test-secret" * 4)
    return app, out, users


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in(app, name: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    done = client.post("/login", data={"csrf": token, "username": name, "password": PASSWORDS[name]})
    assert done.status_code == 303, done.text[:500]
    client.csrf = csrf_of(client.get("/appeals").text)
    return client


def finding_ids(html: str) -> list[str]:
    return re.findall(r'data-finding="([0-9a-f]+)"', html)


def count(html: str, status: str) -> int:
    return int(re.search(rf'id="count-{status}">(\d+)<', html).group(1))
