"""Which rubric scores which call: a small mapping file, ``rubrics/routing.yaml``.

    default: default.yaml
    routes:
      - team: 财富管理专线              # a call of this team ...
        rubric: wealth_outbound.yaml   # ... is scored with this rubric
      - channel: outbound
        rubric: wealth_outbound.yaml

Outbound wealth-management sales are judged on a stricter standard (risk
disclosure before the customer agrees) than inbound service calls, and the
call record already says which team made the call and on which channel. The
first route whose every key matches the call wins (``team`` and ``channel``
take one value or a list; matching ignores case and surrounding spaces);
calls no route matches get ``default``. Paths are relative to the routing
file; each rubric is loaded once. With ``callqa score --rubric FILE`` there is
no routing: :meth:`Router.single` sends every call to that one rubric.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scorers.call import Call
from scorers.config import ConfigError, load_yaml, refuse_unknown_keys
from scorers.rubric import Rubric, load_rubric

ROUTING_KEYS = ("default", "routes", "version", "description")
MATCH_KEYS = ("team", "channel")


def _fold(value: str) -> str:
    return value.strip().casefold()


@dataclass(frozen=True)
class Route:
    match: dict[str, frozenset[str]]  # call field -> accepted values (folded)
    rubric: Rubric

    def matches(self, call: Call) -> bool:
        return all(_fold(getattr(call, key) or "") in values for key, values in self.match.items())


@dataclass
class Router:
    default: Rubric
    routes: list[Route] = field(default_factory=list)
    path: Path | None = None  # the routing file; None for a single rubric

    @classmethod
    def single(cls, rubric: Rubric) -> "Router":
        """Every call to ``rubric`` (an explicit ``--rubric FILE``)."""
        return cls(rubric)

    def rubric_for(self, call: Call) -> Rubric:
        for route in self.routes:
            if route.matches(call):
                return route.rubric
        return self.default

    @property
    def rubrics(self) -> list[Rubric]:
        """Every rubric a call may get, the default first, each once."""
        seen: dict[str, Rubric] = {self.default.id: self.default}
        for route in self.routes:
            seen.setdefault(route.rubric.id, route.rubric)
        return list(seen.values())

    def by_id(self, rubric_id: str) -> Rubric | None:
        return next((r for r in self.rubrics if r.id == rubric_id), None)


def as_router(rubric: "Rubric | Router") -> Router:
    return rubric if isinstance(rubric, Router) else Router.single(rubric)


def _values(value: Any, file: Path, key: str) -> frozenset[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v.strip() for v in values):
        raise ConfigError(file, key, f"must be a value or a list of values, got {value!r}")
    return frozenset(_fold(v) for v in values)


def load_routing(path: Path | str, build: bool = True, models: bool = True) -> Router:
    """Read a routing file and load every rubric it names (errors name file, key and problem).
    ``models=False``: the rubrics' model settings are ignored (rules only)."""
    file = Path(path)
    data = load_yaml(file)
    if not isinstance(data, dict):
        raise ConfigError(file, "(file)", "a routing file is a mapping with default and routes")
    refuse_unknown_keys(data, ROUTING_KEYS, file, known=f"allowed: {', '.join(ROUTING_KEYS)}")
    loaded: dict[Path, Rubric] = {}

    def rubric_at(value: Any, key: str) -> Rubric:
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(file, key, f"must be a rubric file, relative to {file.parent}, got {value!r}")
        target = (file.parent / value).resolve()
        if not target.is_file():
            raise ConfigError(file, key, f"rubric file not found: {target}")
        if target not in loaded:
            loaded[target] = load_rubric(target, build, models)
        return loaded[target]

    if "default" not in data:
        raise ConfigError(file, "default", "missing: the rubric for calls no route matches")
    default = rubric_at(data["default"], "default")
    routes_data = data.get("routes") or []
    if not isinstance(routes_data, list):
        raise ConfigError(file, "routes", "must be a list of {team or channel, rubric}")
    routes = []
    for k, entry in enumerate(routes_data):
        where = f"routes[{k}]"
        if not isinstance(entry, dict):
            raise ConfigError(file, where, "must be a mapping like {team: 财富管理专线, rubric: wealth_outbound.yaml}")
        refuse_unknown_keys(entry, MATCH_KEYS + ("rubric",), file, f"{where}.",
                            known=f"a route matches on {', '.join(MATCH_KEYS)}")
        match = {key: _values(entry[key], file, f"{where}.{key}") for key in MATCH_KEYS if key in entry}
        if not match:
            raise ConfigError(file, where, f"matches nothing: give {' and/or '.join(MATCH_KEYS)}")
        if "rubric" not in entry:
            raise ConfigError(file, f"{where}.rubric", "missing")
        routes.append(Route(match, rubric_at(entry["rubric"], f"{where}.rubric")))
    ids: dict[str, Path] = {}
    for rubric in [default] + [r.rubric for r in routes]:
        if ids.setdefault(rubric.id, rubric.path) != rubric.path:
            raise ConfigError(file, "routes", f"two rubric files share the id {rubric.id!r}: {ids[rubric.id]} and "
                                              f"{rubric.path}; their scorecards would overwrite each other")
    return Router(default, routes, file.resolve())
