"""``callqa workbench`` and ``callqa workbench add-user``."""
from __future__ import annotations

from typer.testing import CliRunner

from pipelines.cli import app
from reports_helpers import scorecards
from scorers.workbench.users import authenticate, load_users

runner = CliRunner()


def test_add_user_reads_the_password_from_stdin(tmp_path):
    users = tmp_path / "users.json"
    done = runner.invoke(app, ["workbench", "add-user", "coachA", "--role", "coach", "--team", "零售客服一组",
                               "--team", "零售客服二组", "--users", str(users), "--password-stdin"],
                         input="a-long-password\n")
    assert done.exit_code == 0, done.output
    assert "added coachA (coach, teams 零售客服一组, 零售客服二组)" in done.output
    user = authenticate(load_users(users), "coachA", "a-long-password")
    assert user and user.teams == {"零售客服一组", "零售客服二组"}


def test_add_user_refuses_a_bad_role_with_exit_2(tmp_path):
    done = runner.invoke(app, ["workbench", "add-user", "x", "--role", "coatch", "--users", str(tmp_path / "u.json"),
                               "--password-stdin"], input="a-long-password\n")
    assert done.exit_code == 2 and "did you mean 'coach'" in done.output
    assert not (tmp_path / "u.json").exists()


def test_workbench_needs_scorecards_and_an_account(tmp_path):
    missing = runner.invoke(app, ["workbench", "--scorecards", str(tmp_path / "none"), "--users", str(tmp_path / "u")])
    assert missing.exit_code == 2 and "no scorecards" in missing.output
    _, out = scorecards()
    nobody = runner.invoke(app, ["workbench", "--scorecards", str(out), "--users", str(tmp_path / "u.json")])
    assert nobody.exit_code == 2 and "callqa workbench add-user" in nobody.output


def test_workbench_starts_uvicorn_on_loopback_by_default(tmp_path, monkeypatch):
    import uvicorn

    _, out = scorecards()
    users = tmp_path / "u.json"
    runner.invoke(app, ["workbench", "add-user", "lead", "--role", "qa_lead", "--users", str(users),
                        "--password-stdin"], input="a-long-password\n")
    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: started.update(kw, app=application))
    done = runner.invoke(app, ["workbench", "--scorecards", str(out), "--users", str(users)])
    assert done.exit_code == 0, done.output
    assert (started["host"], started["port"]) == ("127.0.0.1", 8700) and "warning" not in done.output
    wide = runner.invoke(app, ["workbench", "--scorecards", str(out), "--users", str(users), "--host", "0.0.0.0"])
    assert wide.exit_code == 0 and "behind TLS" in wide.output and started["host"] == "0.0.0.0"
