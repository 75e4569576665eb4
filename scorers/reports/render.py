"""Turning report data into files: masking at the last step, templates, a swapped-in site.

Masking. Evidence in the scorecards is already masked, but a report is the
place where personal data would do the most harm, so every string a template
prints passes through :func:`scorers.numbers.mask_text` again (Jinja's
``finalize`` hook, so a template cannot forget). Two kinds of value are
exempt because masking would destroy them and they carry no personal data:
values we format ourselves (dates, times, scores: :class:`Text`) and chart SVG
(:class:`markupsafe.Markup`, drawn from already-masked labels). Agent ids
from the input go through :func:`ident`, which masks any run of 11+ digits —
every card, ID and mobile number is that long — while a short sequence number
stays readable. Call ids are shown whole (:func:`call_ref`): people look the
recording up by them.

Writing. A site is written into a hidden staging folder next to its
destination and swapped in with renames, so a reader (or a crash) never sees
half a report. We only ever replace a folder that holds a callqa report
(it has a ``.callqa-report`` marker), never someone's other files. A writer
holds an OS lock (``flock``) on its staging folder while it works; a run that
was killed leaves its staging (or the ``.old-`` folder of a swap) behind, and
the next site written to the same destination removes those whose lock
nobody holds (:func:`sweep_stale`).
"""
from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from datetime import date, datetime
from pathlib import Path

from jinja2 import DictLoader, Environment, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from scorers.numbers import find_runs, mask_text
from scorers.output_lock import try_flock
from scorers.reports import fonts
from scorers.reports.templates import TEMPLATES

MARKER = ".callqa-report"
IDENT_MIN_DIGITS = 11
_HEX_ID = frozenset("0123456789abcdef")


class ReportError(RuntimeError):
    """A report cannot be built; the message says why (no scorecards, bad folder ...)."""


class Text(str):
    """A string produced by the report itself (formatted number, date, masked id): printed as is."""


def masked(value) -> Text:
    return Text(mask_text("" if value is None else str(value)))


def ident(value) -> Text:
    """An identifier from the input, with any run of 11+ digits masked."""
    text = "" if value is None else str(value)
    runs = find_runs(text, min_digits=IDENT_MIN_DIGITS)
    if not runs:
        return Text(text)
    parts, last = [], 0
    for run in runs:
        parts += [text[last:run.start], run.masked]
        last = run.end
    return Text("".join(parts + [text[last:]]))


def call_ref(value) -> Text:
    """A call id, shown whole: it names a recording and joins the CSV to the scorecards, and is no
    personal data (``S-2026-11-20-064`` must not become ``S-202****0064``). Still HTML-escaped."""
    return Text("" if value is None else str(value))


def finding_ref(value) -> Text:
    """A finding id: ours (16 hex digits, a hash), shown whole so reviewers can cite it."""
    text = "" if value is None else str(value)
    return Text(text) if len(text) == 16 and set(text) <= _HEX_ID else masked(text)


def rubric_label(rubric, versions: list[str] | None = None) -> Text:
    """"name（id@version）": versions like 2026.11.1 are not personal numbers and must stay readable."""
    shown = ", ".join(ident(v) for v in (versions or [rubric.version]))
    return Text(f"{masked(rubric.name)}（{ident(rubric.id)}@{shown}）")


def highlight(evidence, start, end) -> Markup:
    """The masked evidence sentence with the span that fired in <mark>.

    Spans index the original utterance. Masking keeps the length (one ``*`` per
    hidden digit, separators stay where they were), so a span indexes the masked
    evidence just the same; a span that does not fit it is not marked.
    """
    text = "" if evidence is None else str(evidence)
    safe = mask_text(text)
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        return Markup(escape(safe))
    if not 0 <= start < end <= len(safe):
        return Markup(escape(safe))
    return Markup(f"{escape(safe[:start])}<mark>{escape(safe[start:end])}</mark>{escape(safe[end:])}")


def score(value, digits: int = 1) -> Text:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return Text("—")
    if number != number:
        return Text("—")
    return Text(f"{0.0 if round(number, digits) == 0 else number:.{digits}f}")  # never "-0.0"


def pct(value, digits: int = 0) -> Text:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return Text("—")
    return Text("—" if number != number else f"{100 * number:.{digits}f}%")


def delta(value) -> Text:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return Text("—")
    return Text("—" if number != number else f"{number:+.1f}")


def _finalize(value):
    if value is None:
        return ""
    if isinstance(value, (Markup, Text)):
        return value
    if isinstance(value, datetime):
        return Text(value.strftime("%Y-%m-%d %H:%M"))
    if isinstance(value, date):
        return Text(value.isoformat())
    if isinstance(value, str):
        return Text(mask_text(value))
    return value


def environment() -> Environment:
    env = Environment(loader=DictLoader(TEMPLATES), autoescape=select_autoescape(default=True, default_for_string=True),
                      finalize=_finalize, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(score=score, pct=pct, delta=delta, ident=ident, masked=masked, finding=finding_ref, call=call_ref,
                       highlight=highlight)
    env.globals.update(font_family=fonts.WEB_FAMILY)
    return env


STALE_AFTER_S = 60  # a staging folder younger than this may be one whose writer is just taking its lock


def _lock_dir(path: Path) -> int | None:
    """An fd holding an exclusive flock on the folder ``path``; None when another process holds it."""
    return try_flock(path)


def sweep_stale(dest: Path) -> list[Path]:
    """Remove the staging and ``.old-`` folders killed writers left next to ``dest``; returns those removed.

    A folder whose lock a live writer holds is kept, and so is a very young
    one (its writer may not have taken its lock yet)."""
    removed = []
    now = time.time()
    for folder in sorted(dest.parent.glob(f".{dest.name}.staging-*")) + sorted(dest.parent.glob(f".{dest.name}.old-*")):
        try:
            if not folder.is_dir() or folder.is_symlink() or now - folder.stat().st_mtime < STALE_AFTER_S:
                continue
            fd = _lock_dir(folder)
        except OSError:
            continue  # gone meanwhile, or a file system without flock: leave it
        if fd is None:
            continue
        try:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(fd)
        removed.append(folder)
    return removed


_ASCII_BYTES = bytes(range(127))  # the characters every font and the page's fallback hold


def non_ascii_in(data: bytes) -> set[str]:
    """The characters past ASCII of UTF-8 ``data`` (a page as written): what its subset font must
    hold. Found in C: deleting the ASCII bytes leaves every other character whole, since UTF-8
    never uses a byte below 0x80 inside one. A set of every character of the coaches' 400 pages
    (56 million) was a sixth of the site's time; the bytes are encoded for the file anyway, and
    a page is mostly ASCII markup."""
    return set(data.translate(None, _ASCII_BYTES).decode("utf-8"))


def _joined(chunks, size: int):
    """The stream's small strings joined into pieces of about ``size`` characters (the last may be shorter)."""
    pending: list[str] = []
    length = 0
    for chunk in chunks:
        pending.append(chunk)
        length += len(chunk)
        if length >= size:
            yield "".join(pending)
            pending, length = [], 0
    if pending:
        yield "".join(pending)


class Site:
    """A report folder being written: pages go to a staging folder, :meth:`publish` swaps it in."""

    def __init__(self, dest: Path | str):
        self.dest = Path(dest).resolve()
        if self.dest.exists() and not self.dest.is_dir():
            raise ReportError(f"{self.dest} exists and is not a folder")
        if self.dest.is_dir() and any(self.dest.iterdir()) and not (self.dest / MARKER).exists():
            raise ReportError(f"refusing to write into {self.dest}: it is not empty and holds no callqa report "
                              f"(no {MARKER}); choose an empty or new folder")
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        sweep_stale(self.dest)
        self.stage = self.dest.parent / f".{self.dest.name}.staging-{uuid.uuid4().hex[:8]}"
        self.stage.mkdir()
        self._owner = _lock_dir(self.stage)  # held until publish or abort; the kernel drops it if we are killed
        self.chars: set[str] = set()

    def write(self, name: str, text: str) -> Path:
        return self.write_stream(name, (text,))

    def write_stream(self, name: str, chunks, flush_chars: int = 1 << 20) -> Path:
        """Write a page from a stream of text (``template.generate(...)``) as it comes: a queue of
        50,000 cases is a 30 MB page, and rendered whole it held about 1 GB of small strings."""
        path = self.stage / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as handle:
            for text in _joined(chunks, flush_chars):
                data = text.encode("utf-8")
                handle.write(data)
                self.chars |= non_ascii_in(data)
        return path

    def publish(self, info: dict, web_font: bool = True) -> Path:
        """Add the font subset and the marker, then replace the destination folder in two renames."""
        try:
            if web_font:
                fonts.write_web_font(self.chars, self.stage / "assets" / "cjk.ttf")
            (self.stage / MARKER).write_text(json.dumps(info, ensure_ascii=False, indent=1, default=str),
                                             encoding="utf-8")
            old = None
            if self.dest.exists():
                old = self.dest.parent / f".{self.dest.name}.old-{uuid.uuid4().hex[:8]}"
                os.replace(self.dest, old)
            try:
                os.replace(self.stage, self.dest)
            except BaseException:
                if old is not None and not self.dest.exists():
                    os.replace(old, self.dest)  # keep the previous report rather than none
                raise
            self._release()
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
            return self.dest
        except BaseException:
            self.abort()
            raise

    def _release(self) -> None:
        if self._owner is not None:
            os.close(self._owner)
            self._owner = None

    def abort(self) -> None:
        shutil.rmtree(self.stage, ignore_errors=True)
        self._release()
