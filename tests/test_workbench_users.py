"""Accounts: Argon2 hashes in a 0600 file, roles, names that are identities."""
from __future__ import annotations

import json
import stat

import pytest

from scorers.workbench.users import UserError, add_user, authenticate, load_users


def test_add_user_stores_an_argon2_hash_never_the_password(tmp_path):
    path = tmp_path / "users.json"
    user = add_user(path, "张三", "compliance", password="correct horse 1")
    text = path.read_text(encoding="utf-8")
    assert "correct horse 1" not in text and json.loads(text)["users"]["张三"]["password"].startswith("$argon2id$")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (user.name, user.role, user.teams) == ("张三", "compliance", frozenset())
    assert authenticate(load_users(path), "张三", "correct horse 1") == user
    assert authenticate(load_users(path), "张三", "correct horse 2") is None
    assert authenticate(load_users(path), "nobody", "correct horse 1") is None


def test_an_existing_name_needs_replace(tmp_path):
    path = tmp_path / "users.json"
    add_user(path, "lead", "qa_lead", password="first-password")
    with pytest.raises(UserError, match="exists already"):
        add_user(path, "lead", "qa_lead", password="second-password")
    add_user(path, "lead", "coach", ["一组"], password="second-password", replace=True)
    users = load_users(path)
    assert users["lead"].role == "coach" and authenticate(users, "lead", "second-password")


@pytest.mark.parametrize("name, role, teams, password, message", [
    ("a", "coach", [], "long-enough-1", "a coach needs at least one team"),
    ("a", "complience", [], "long-enough-1", "did you mean 'compliance'"),
    ("a", "qa_lead", [], "short", "at least 10 characters"),
    ("王 13800138000", "qa_lead", [], "long-enough-1", "may not hold a card, ID or phone number"),
    ("  ", "qa_lead", [], "long-enough-1", "user name is empty"),
    ("a/b", "qa_lead", [], "long-enough-1", "slash"),
])
def test_bad_accounts_are_refused(tmp_path, name, role, teams, password, message):
    with pytest.raises(UserError, match=message):
        add_user(tmp_path / "users.json", name, role, teams, password)
    assert not (tmp_path / "users.json").exists()


def test_roles():
    from scorers.workbench.users import User

    coach = User("c", "coach", frozenset({"一组"}))
    officer, lead = User("o", "compliance"), User("l", "qa_lead")
    assert coach.sees_team("一组") and not coach.sees_team("二组") and officer.sees_team("二组")
    assert [u.decides(True) for u in (coach, officer, lead)] == [False, True, True]
    assert [u.decides(False) for u in (coach, officer, lead)] == [False, False, True]


def test_a_broken_users_file_names_the_field(tmp_path):
    path = tmp_path / "users.json"
    path.write_text(json.dumps({"users": {"x": {"role": "coach", "teams": [], "password": "$argon2id$x"}}}))
    with pytest.raises(UserError, match=r"users\.x\.teams: a coach needs at least one team"):
        load_users(path)
    path.write_text(json.dumps({"users": {"x": {"role": "qa_lead", "password": "plain"}}}))
    with pytest.raises(UserError, match=r"users\.x\.password: not an Argon2 hash"):
        load_users(path)
    assert load_users(tmp_path / "missing.json") == {}
