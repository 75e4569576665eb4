"""One schema per dataset: every part file carries every criterion column, timestamps and dates typed,
and the README's queries run as written (issue 10 item 16)."""
from __future__ import annotations

import re
import json
import shutil
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.paths import load_router
from scorers.batch import run_batch
from scorers.schemas import COMPLIANCE, calls_schema, conform, criteria_in, instant
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample"


@lru_cache(maxsize=1)
def _sample_out(root: str) -> Path:
    out = Path(root) / "routed"
    run_batch(SAMPLE, out, load_router(None, None, models=False))
    return out


@pytest.fixture(scope="module")
def routed(tmp_path_factory):
    """data/sample scored with the shipped routing: default and wealth rubrics in one output."""
    return _sample_out(str(tmp_path_factory.mktemp("schemas")))


def readme_block(language: str, heading: str = "### Querying") -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(heading):]
    section = section[:section.index("\n## ")]
    (block,) = re.findall(rf"```{language}\n(.*?)```", section, re.S)
    return block


def test_every_part_file_has_one_schema_with_every_criterion(routed):
    for dataset in ("calls", "findings", "compliance", "agents"):
        schemas = {pq.read_schema(f).remove_metadata() for f in (routed / dataset).rglob("*.parquet")}
        assert len(schemas) == 1, dataset
    (calls,) = {pq.read_schema(f) for f in (routed / "calls").rglob("*.parquet")}
    assert {"disclose_not_guaranteed", "disclose_risk_rating", "greeting"} <= set(criteria_in(calls, "calls"))


def test_plain_pandas_read_keeps_the_wealth_columns(routed):
    calls = pd.read_parquet(routed / "calls")  # takes the first file's schema: all files must share it
    wealth = calls[calls.rubric_id == "wealth_outbound"]
    assert len(wealth) and wealth["disclose_risk_rating_status"].notna().all()
    assert calls.loc[calls.rubric_id == "default", "disclose_risk_rating_status"].isna().all()


def test_started_at_is_an_instant_with_its_time_zone(routed):
    (schema,) = {pq.read_schema(f).field("started_at").type for f in (routed / "calls").rglob("*.parquet")}
    assert pa.types.is_timestamp(schema) and schema.tz == "Asia/Shanghai"
    compliance = pq.read_schema(next((routed / "compliance").rglob("*.parquet")))
    assert compliance.field("started_at").type == schema


def test_the_readme_pandas_queries_run_and_return_every_column(routed, tmp_path, monkeypatch):
    shutil.copytree(routed, tmp_path / "out" / "demo")
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(readme_block("python"), scope)  # noqa: S102 - the README's own example
    calls, night, wealth = scope["calls"], scope["night"], scope["wealth"]
    assert len(calls) == 64 and set(night.call_date) == {date(2026, 11, 20)}
    assert isinstance(calls.call_date.iloc[0], date) and str(calls.started_at.dt.tz) == "Asia/Shanghai"
    assert len(wealth) and wealth["disclose_not_guaranteed_status"].notna().all()
    assert len(scope["jargon"]) and len(scope["worst"]) == 10


def test_the_readme_duckdb_queries_run(routed, tmp_path, monkeypatch):
    duckdb = pytest.importorskip("duckdb")
    shutil.copytree(routed, tmp_path / "out" / "demo")
    monkeypatch.chdir(tmp_path)
    for query in filter(str.strip, readme_block("sql").split(";")):
        assert duckdb.sql(query).fetchall()


def test_conform_brings_an_older_file_to_the_current_schema():
    old = pa.table({"call_id": ["X-1"], "started_at": ["2026-11-20T09:00:00+08:00"], "total_score": [90.0],
                    "greeting_status": ["met"]})
    schema = calls_schema(["greeting", "disclose_risk_rating"])
    table = conform(old, schema)
    assert table.schema.equals(schema)
    row = table.to_pylist()[0]
    assert row["started_at"] == datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
    assert row["disclose_risk_rating_status"] is None and row["greeting_status"] == "met"


def test_a_naive_started_at_is_beijing_time():
    assert instant("2026-11-20T09:00:00").utcoffset() == timedelta(hours=8)
    assert COMPLIANCE.field("started_at").type.tz == "Asia/Shanghai"


def test_a_run_rewrites_older_files_to_the_new_schema(routed, tmp_path, make_call, default_rubric_path):
    # an output written before item 16: started_at a string, no disclose_* columns in default files
    out = tmp_path / "out"
    shutil.copytree(routed, out)
    for f in (out / "calls").rglob("*.parquet"):
        t = pq.read_table(f)
        keep = [n for n in t.column_names if not n.startswith("disclose_")]
        t = t.select(keep).set_column(keep.index("started_at"), "started_at",
                                      pa.array([v.isoformat() if v else None for v in
                                                t.column("started_at").to_pylist()], pa.string()))
        pq.write_table(t, f)
    assert len({pq.read_schema(f) for f in (out / "calls").rglob("*.parquet")}) == 1
    for manifest in (out / "_runs").glob("*.json"):  # an older callqa recorded no schemas in its commits
        manifest.write_text(json.dumps({k: v for k, v in json.loads(manifest.read_text()).items()
                                        if k not in ("criteria", "schema_mark")}))
    run_batch(make_call(call_id="NEW-1"), out, load_router(default_rubric_path, None, models=False))
    schemas = {pq.read_schema(f).remove_metadata() for f in (out / "calls").rglob("*.parquet")}
    assert len(schemas) == 1
    (schema,) = schemas
    assert "disclose_risk_rating_status" in schema.names and pa.types.is_timestamp(schema.field("started_at").type)
    assert len(pd.read_parquet(out / "calls")) == 65
