"""``info_leak`` (compliance): the agent discloses or solicits personal data.

Three rules, one rule id each so compliance can see which fired:
- ``info_leak.full_number``: the agent speaks a full card (Luhn-valid), ID
  (GB 11643 check digit and birth date) or mobile number, in digits, spaced,
  or as spoken numerals. Masked and partial numbers never validate. A mobile
  number listed with a landline ("电话是010-67498258,13699120196") is a
  place's public contact list, not a person's number. A number read out in
  parts over consecutive agent turns ("幺三八洞洞" … "幺三八洞洞洞", an ID in
  three groups of six) is one too, when the joined digits are a valid number
  (:func:`scorers.numbers.split_numbers`); the finding is at its last part.
- ``info_leak.solicit_secret``: the agent asks for a password, SMS code or
  CVV, or presses for it again right after asking.
- ``info_leak.third_party``: the caller said the account is someone else's
  (or the agent names its holder as someone else) and the agent then tells its
  balance, bill, loan or transactions: a clause with an account fact and an
  amount (here or in the next clause), or a counterparty. A clause about the
  caller's own account ("您卡里") or about the bank's fees and rates is not one.
"""
from __future__ import annotations

import re
from pathlib import Path

from scorers.call import Call
from scorers.config import ConfigError, PatternSet, load_yaml, normalize_pattern, pattern_set
from scorers.finding import VIOLATION, Finding
from scorers.numbers import classify, find_runs, mask_utterances, split_numbers
from scorers.over_promise import CLAUSE
from scorers.prefilter import Prefilter

NUMBER_KINDS = {"card": "银行卡号", "id": "身份证号", "mobile": "手机号"}
SOLICIT_REACH = 2
_AFFIRMATIVE = re.compile(r"(嗯|呃)?[,. ]?(对|是的|是|没错|要的|需要|必须)")  # agent utterances after a request in which "念给我就行" still counts


def _is_landline(digits: str) -> bool:
    return digits.startswith("0") and 10 <= len(digits) <= 12


def _listed_together(text: str, a, b) -> bool:
    """Two numbers with only a comma, 、 or ; between them: one list of contact numbers."""
    first, second = (a, b) if a.start < b.start else (b, a)
    return re.fullmatch(r"\s*[,、;，；]\s*", text[first.end:second.start]) is not None


class InfoLeakScorer:
    criterion = "info_leak"

    def __init__(self, secrets: PatternSet, requests: PatternSet, follow_up_requests: PatternSet,
                 warnings: PatternSet, third_party_owner: PatternSet, account_facts: PatternSet,
                 amounts: PatternSet, counterparty_facts: PatternSet, third_party_reference: PatternSet,
                 refusals: PatternSet, caller_account: PatternSet, general_terms: PatternSet):
        self.secrets = secrets
        self.requests = requests
        self.follow_up_requests = follow_up_requests
        self.warnings = warnings
        self.third_party_owner = third_party_owner
        self.account_facts = account_facts
        self.amounts = amounts
        self.counterparty_facts = counterparty_facts
        self.third_party_reference = third_party_reference
        self.refusals = refusals
        self.caller_account = caller_account
        self.general_terms = general_terms
        # one Aho-Corasick pass tells whether an agent utterance may name a secret or a third party
        self._may_ask_or_refer = Prefilter(normalize_pattern(p)
                                           for p in secrets.patterns + third_party_reference.patterns)

    @classmethod
    def from_file(cls, path: Path) -> "InfoLeakScorer":
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise ConfigError(path, "(file)", "expected a mapping with secrets, requests, warnings, ...")
        keys = ("secrets", "requests", "follow_up_requests", "warnings", "third_party_owner",
                "account_facts", "amounts", "counterparty_facts", "third_party_reference", "refusals",
                "caller_account", "general_terms")
        return cls(*(pattern_set(data, key, path) for key in keys))

    def full_number(self, text: str) -> tuple[int, int, str] | None:
        runs = find_runs(text, min_digits=7)
        for k, run in enumerate(runs):
            kind = classify(run.digits)
            if kind == "mobile" and any(_is_landline(other.digits) and _listed_together(text, run, other)
                                        for other in runs[max(0, k - 1):k] + runs[k + 1:k + 2]):
                continue  # "电话是010-67498258,13699120196": a place's contact numbers, public
            if kind:
                return run.start, run.end, kind
        return None

    def solicits(self, norm: str) -> tuple[int, int] | None:
        if not self.secrets.search(norm):
            return None
        for clause in CLAUSE.finditer(norm):
            text = clause.group()
            secret = self.secrets.search(text)
            if secret and self.requests.search(text) and not self.warnings.search(text):
                return clause.start() + secret.start(), clause.start() + secret.end()
        # "把卡号和背面三位安全码报一下" may put the request in the next clause
        secret = self.secrets.search(norm)
        if secret and not self.warnings.search(norm):
            tail = norm[secret.end(): secret.end() + 12]
            if self.requests.search(tail):
                return secret.start(), secret.end()
        return None

    def discloses_account(self, norm: str) -> tuple[int, int] | None:
        """A clause with an account fact and an amount (in it or the next clause), or with a
        counterparty's identity; not about the caller's own account or the bank's terms; no refusal."""
        if self.refusals.search(norm):
            return None
        clauses = list(CLAUSE.finditer(norm))
        for k, clause in enumerate(clauses):
            text = clause.group()
            if self.caller_account.search(text) or self.general_terms.search(text):
                continue
            after = clauses[k + 1].group() if k + 1 < len(clauses) else ""
            fact = self.account_facts.search(text)
            if fact and (self.amounts.search(text) or self.amounts.search(after)):
                return clause.start() + fact.start(), clause.start() + fact.end()
            if m := self.counterparty_facts.search(text):
                return clause.start() + m.start(), clause.start() + m.end()
        return None

    def presses_again(self, call: Call, i: int, norm: str) -> re.Match | None:
        """Right after asking for a secret: "念给我就行", or "对" to a customer who asks "密码也要说?"."""
        if self.warnings.search(norm):
            return None
        if m := self.follow_up_requests.search(norm):
            return m
        previous = call.utterances[i - 1] if i else None
        if previous is not None and previous.is_customer and self.secrets.search(previous.norm):
            return _AFFIRMATIVE.match(norm)
        return None

    def __call__(self, call: Call) -> list[Finding]:
        turns = [(u.speaker, u.text) for u in call.utterances]
        evidence = mask_utterances(turns)  # a number split over several turns is masked in each of them
        findings = []
        third_party = False
        last_solicit = -10  # agent-turn counter of the last request for a secret
        agent_turn = 0
        for i, u in enumerate(call.utterances):
            if u.is_customer:
                third_party = third_party or bool(self.third_party_owner.search(u.norm))
                continue
            agent_turn += 1
            hit = None
            may = self._may_ask_or_refer.may_match(u.norm)  # False: no secret and no third-party reference
            if number := self.full_number(u.norm):
                start, end, kind = number
                hit = (start, end, "info_leak.full_number", f"坐席说出完整{NUMBER_KINDS[kind]}", 0.95)
            elif may and (span := self.solicits(u.norm)):
                last_solicit = agent_turn
                hit = (*span, "info_leak.solicit_secret", "坐席索要密码/验证码/安全码", 0.9)
            elif agent_turn - last_solicit <= SOLICIT_REACH and (m := self.presses_again(call, i, u.norm)):
                last_solicit = agent_turn
                hit = (m.start(), m.end(), "info_leak.solicit_secret", "坐席再次催要密码/验证码", 0.8)
            elif ((third_party or (may and self.third_party_reference.search(u.norm)))
                  and (span := self.discloses_account(u.norm))):
                hit = (*span, "info_leak.third_party", "向非本人透露账户信息", 0.75)
            if hit:
                start, end, rule, detail, confidence = hit
                findings.append(Finding(self.criterion, VIOLATION, i, start, end, evidence[i], rule,
                                        confidence=confidence, detail=detail))
        whole = {f.utterance_index for f in findings if f.rule_id == "info_leak.full_number"}
        for number in split_numbers(turns):
            last, run = number.parts[-1]
            if call.utterances[last].is_agent and last not in whole:
                whole.add(last)
                findings.append(Finding(self.criterion, VIOLATION, last, run.start, run.end, evidence[last],
                                        "info_leak.full_number", confidence=0.9,
                                        detail=f"坐席分{len(number.parts)}句说出完整{NUMBER_KINDS[number.kind]}"))
        return sorted(findings, key=lambda f: f.utterance_index)
