"""bench/check_ood.py's helpers: plain text as calls (one half of the lines), and a hand-checked sample's precision."""
import gzip
import importlib.util
import json
from pathlib import Path

from scorers.models.ood_split import ood_part

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "check_ood.py"
spec = importlib.util.spec_from_file_location("check_ood", SCRIPT)
check_ood = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_ood)


def test_text_becomes_calls_of_ten_turns_from_one_half_of_the_lines(tmp_path):
    lines = [f"第{i}句话说的是别的事情" for i in range(200)]
    source = tmp_path / "corpus.txt.gz"
    with gzip.open(source, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    out = check_ood.text_calls([source], "measure", tmp_path)
    calls = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    texts = [u["text"] for c in calls for u in c["utterances"]]
    measured = [t for t in lines if ood_part(t) == "measure"]
    assert texts == measured[:len(calls) * 10] and len(calls) == len(measured) // 10
    assert all(ood_part(t) == "measure" for t in texts)
    assert [u["speaker"] for u in calls[0]["utterances"][:2]] == ["customer", "agent"]


def test_checked_precision_counts_only_judged_rows(tmp_path):
    sample = tmp_path / "s.tsv"
    header = "call_id\tutterance_index\tcriterion\toutcome\tcounted\tconfidence\tprevious\tevidence\tcorrect\n"
    rows = ["c1\t1\tempathy\tmet\tTrue\t0.96\t\t很抱歉\ty", "c2\t3\tempathy\tmet\tTrue\t0.95\t\t好的\tn",
            "c3\t2\tover_promise\tviolation\tFalse\t0.97\t\t稳赚\tY", "c4\t2\tparaphrase\tmet\tTrue\t0.95\t\t嗯\t"]
    sample.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    figures = check_ood.checked_precision(sample)
    assert (figures["judged"], figures["correct"], figures["precision"]) == (3, 2, 0.667)
    assert figures["by_kind"] == {"empathy met": "1/2", "over_promise violation": "1/1"}
