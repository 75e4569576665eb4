"""The workbench's accounts: who may sign in, in which role, for which teams.

Why a file and not a database: a bank deploys the workbench next to the
scorecards on one machine, and a JSON file kept beside them (readable by the
service account only; written ``0600``) is something its administrators can
back up, audit and diff. Passwords are stored as Argon2id hashes
(``argon2-cffi``, the memory-hard hash OWASP recommends); the plain password
never reaches disk or a log.

Roles:

- ``compliance`` — works the compliance queue and decides its cases;
- ``qa_lead`` — everything compliance may, plus every team's agents and the
  appeals against any finding;
- ``coach`` — the agent pages and calls of the teams listed for them (at least
  one); marks calls coached and files agents' appeals; decides nothing.

Every decision the workbench records carries the signed-in user's name, so a
name is an identity: it may not hold a personal number, and each is unique.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from scorers.config import closest
from scorers.numbers import mask_text

COMPLIANCE, COACH, QA_LEAD = "compliance", "coach", "qa_lead"
ROLES = (COMPLIANCE, COACH, QA_LEAD)
USERS_ENV = "CALLQA_USERS"
MIN_PASSWORD = 10
MAX_NAME = 64
_HASHER = PasswordHasher()
# Checked against when the name is unknown, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = _HASHER.hash("callqa-no-such-user")


class UserError(ValueError):
    """A users file or an account that cannot be used; the message names the file and field."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    teams: frozenset[str] = field(default_factory=frozenset)
    password_hash: str = ""

    @property
    def all_teams(self) -> bool:
        return self.role in (COMPLIANCE, QA_LEAD)

    def sees_team(self, team: str | None) -> bool:
        """Compliance and QA leads see every team; a coach only the teams assigned."""
        return self.all_teams or (team or "") in self.teams

    def decides(self, critical: bool) -> bool:
        """Compliance cases (critical findings): compliance and QA leads; any other finding: QA leads."""
        return self.role == QA_LEAD or (critical and self.role == COMPLIANCE)

    @property
    def fingerprint(self) -> str:
        """Changes when the password or role changes: sessions signed before then stop working."""
        import hashlib

        return hashlib.sha256(f"{self.password_hash}|{self.role}|{sorted(self.teams)}".encode()).hexdigest()[:16]


def default_users_file() -> Path:
    """``$CALLQA_USERS``, else ``~/.callqa/workbench-users.json``."""
    configured = os.environ.get(USERS_ENV)
    return Path(configured) if configured else Path.home() / ".callqa" / "workbench-users.json"


def load_users(path: Path | str) -> dict[str, User]:
    """Every account of the file; a missing file has none."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise UserError(f"{path}: not a users file ({err})") from None
    if not isinstance(data, dict) or not isinstance(data.get("users"), dict):
        raise UserError(f"{path}: expected {{\"users\": {{NAME: {{role, teams, password}}}}}}")
    users = {}
    for name, item in data["users"].items():
        where = f"{path}: users.{name}"
        if not isinstance(item, dict):
            raise UserError(f"{where}: expected an object with role, teams and password")
        role = item.get("role")
        if role not in ROLES:
            raise UserError(f"{where}.role: must be one of {', '.join(ROLES)}, got {role!r}{closest(str(role), ROLES)}")
        teams = item.get("teams", [])
        if not isinstance(teams, list) or not all(isinstance(t, str) for t in teams):
            raise UserError(f"{where}.teams: expected a list of team names")
        if role == COACH and not teams:
            raise UserError(f"{where}.teams: a coach needs at least one team")
        if not isinstance(item.get("password"), str) or not item["password"].startswith("$argon2"):
            raise UserError(f"{where}.password: not an Argon2 hash (set it with `callqa workbench add-user`)")
        users[name] = User(name, role, frozenset(teams), item["password"])
    return users


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise UserError("user name is empty")
    if len(name) > MAX_NAME:
        raise UserError(f"user name is longer than {MAX_NAME} characters")
    if mask_text(name) != name:
        raise UserError("a user name may not hold a card, ID or phone number: it is printed on every decision")
    if any(c in name for c in "\r\n\t/\\") or not name.isprintable():
        raise UserError(f"user name {name!r} holds a control character, a tab or a slash")
    return name


def add_user(path: Path | str, name: str, role: str, teams: list[str] | tuple[str, ...] = (),
             password: str = "", replace: bool = False) -> User:
    """Create (or with ``replace``, reset) an account and write the file atomically, readable by its owner only."""
    path = Path(path)
    name = check_name(name)
    if role not in ROLES:
        raise UserError(f"--role: must be one of {', '.join(ROLES)}, got {role!r}{closest(role, ROLES)}")
    teams = sorted({t.strip() for t in teams if t and t.strip()})
    if role == COACH and not teams:
        raise UserError("--team: a coach needs at least one team (repeat --team for several)")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password: at least {MIN_PASSWORD} characters")
    existing = load_users(path)
    if name in existing and not replace:
        raise UserError(f"{path}: user {name!r} exists already (pass --replace to reset role, teams and password)")
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"users": {}}
    data["users"][name] = {"role": role, "teams": teams, "password": _HASHER.hash(password),
                           "updated_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:  # mkstemp creates it 0600
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return load_users(path)[name]


def authenticate(users: dict[str, User], name: str, password: str) -> User | None:
    """The user when the password is right; None otherwise (the same work either way)."""
    user = users.get((name or "").strip())
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    return user
