"""Issue 14, human words in every history and explorer view: on the demo data, seen as a trustee, no
history or explorer page shows a model label (`governance.minutespage`), a ledger action's code
(`governance.decision_recorded`), a related object as a bare number (`body: 2`, "Evidence link 3") or a
choice's code where it has a label (`outcome: carried`); and each history row names the person its
ledger event names, never "the system" for the secretary's work.

The pages are found from the data (every decision, every kind of record and every record in the
explorer, every page of the ledger), so new demo data or a new tracked model is checked too.
"""

import csv
import io
import re
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.apps import apps
from pypdf import PdfReader
from simple_history.models import HistoricalRecords

from governance import services
from governance.models import Action, Body, Decision, Meeting, Membership
from portal.accounts import roles
from portal.accounts.models import User
from portal.audit.models import ActorPseudonym, AuditEvent
from voting.models import Ballot

pytestmark = pytest.mark.django_db

# Line breaks in the visible text come from block elements; cells of a row (and a term and its
# definition) stay on one line, joined by " | ", so "Body | (empty) | 2" reads as one field's change.
BLOCKS = {
    "address", "article", "aside", "br", "caption", "details", "div", "dl", "dt", "fieldset", "footer", "form",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "label", "legend", "li", "main", "ol", "option", "p",
    "section", "summary", "table", "tbody", "thead", "tr", "ul",
}
CELLS = {"td", "th", "dd"}
# Not read as text: code, styles, and navigation (page numbers read "page | 2" in a pager).
UNSEEN = {"script", "style", "template", "noscript", "svg", "nav"}
DOTTED = re.compile(r"\b[A-Za-z_]+\.[A-Za-z_]+\b")


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self._mark(tag, opening=True)

    def handle_startendtag(self, tag, attrs):
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        self._mark(tag, opening=False)

    def _mark(self, tag, opening):
        if tag in UNSEEN:
            self.hidden += 1 if opening else -1
        elif tag in BLOCKS and (opening or tag != "dt"):  # a term stays on the line of its definition
            self.parts.append("\n")
        elif tag in CELLS and opening:
            self.parts.append(" | ")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_lines(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    lines = (re.sub(r"\s+", " ", line).strip(" |") for line in "".join(parser.parts).split("\n"))
    return [line for line in lines if line]


# --- what must never be shown ---------------------------------------------------------------------
def _our_models() -> list:
    ours = {"portal.", "consultations", "governance", "voting"}
    return [m for m in apps.get_models() if any(m._meta.app_config.name.startswith(p) for p in ours)]


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _related_names() -> set[str]:
    """Names a related object could be shown under: its field's name and verbose name, and the name of
    every model of ours (ledger payloads name their ids after models: "decision": 17)."""
    names = {"revision", "checkpoint"}
    for model in _our_models():
        names |= {model._meta.model_name, str(model._meta.verbose_name)}
        for field in model._meta.concrete_fields:
            if field.is_relation:
                names |= {field.name, field.attname, str(field.verbose_name)}
    return {n.lower() for n in names}


def _choice_fields() -> list[tuple[set[str], dict[str, str]]]:
    """([field name, verbose name], {code: label}) for each choice field of ours whose codes and labels differ."""
    found = {}
    for model in _our_models():
        for field in model._meta.concrete_fields:
            codes = {str(code): str(label) for code, label in (field.flatchoices or []) if str(code) != str(label)}
            if codes:
                found[frozenset({field.name.lower(), str(field.verbose_name).lower()}), frozenset(codes.items())] = codes
    return [(set(names), codes) for (names, _items), codes in found.items()]


class Words:
    """The rules, built once from the installed apps (and the ledger's action codes, when given)."""

    def __init__(self, actions=()):
        self.labels = {m._meta.label_lower for m in apps.get_models()}
        self.actions = set(actions)
        names = _alternation(_related_names())
        self.named_line = re.compile(rf"^(?:{names})\s*[:|]\s*(.*)$", re.IGNORECASE)
        verbose = _alternation({str(m._meta.verbose_name) for m in _our_models()})
        self.numbered = re.compile(rf"^(?:{verbose}) #?\d+$", re.IGNORECASE)
        self.choices = [
            (re.compile(rf"^(?:{_alternation(names)})\s*[:|]\s*(.*)$", re.IGNORECASE), codes)
            for names, codes in _choice_fields()
        ]
        self.code_words = {c for _names, codes in _choice_fields() for c in codes if "_" in c}

    def problems(self, lines: list[str]) -> list[str]:
        found = []
        for line in lines:
            found += [f"model label {m!r} in {line!r}" for m in DOTTED.findall(line) if m.lower() in self.labels]
            found += [f"action code {m!r} in {line!r}" for m in DOTTED.findall(line) if m in self.actions]
            found += [f"code {c!r} in {line!r}" for c in self.code_words if re.search(rf"\b{re.escape(c)}\b", line)]
            if self._bare_number(line):
                found.append(f"a related object as a number: {line!r}")
            found += [f"a choice's code: {line!r}" for pattern, codes in self.choices if self._coded(pattern, codes, line)]
        return found

    def _bare_number(self, line: str) -> bool:
        if self.numbered.match(line):
            return True
        named = self.named_line.match(line)
        values = re.split(r"[|→]", named.group(1)) if named else []
        return any(value.strip().isdigit() for value in values)

    @staticmethod
    def _coded(pattern, codes: dict[str, str], line: str) -> bool:
        named = pattern.match(line)
        return bool(named) and any(value.strip() in codes for value in re.split(r"[|→]", named.group(1)))


@pytest.fixture
def demo(seeded_demo, home_page):
    """The demo, seeded once for this module (tests/conftest.py), in this test's own savepoint."""


@pytest.fixture
def trustee_client(client, demo):
    client.force_login(User.objects.get(email="trustee@example.org"))
    return client


def _page(client, url: str, **params) -> tuple[str, object]:
    reply = client.get(url, params)
    assert reply.status_code == 200, f"{url} {params}: {reply.status_code}"
    return reply.content.decode(), reply


def _csv_lines(text: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(text)))[1:]
    return [" | ".join(row) for row in rows] + [f"{field}: {before} → {after}" for *_, field, before, after in rows]


# --- the floor ------------------------------------------------------------------------------------
def test_the_rules_catch_what_the_issue_saw():
    """The checks below would fail on the words the issue quotes (so passing means something)."""
    words = Words()

    assert words.problems(["About: governance.minutespage 13"])
    assert words.problems(["accounts.user"])
    assert words.problems(["body: 2"]) and words.problems(["Body | (empty) | 2"]) and words.problems(["consultation: 12"])
    assert words.problems(["Evidence link 3"]) and words.problems(["Theme: Theme “A” → 4"])
    assert words.problems(["outcome: carried"]) and words.problems(["Status | in_progress | done"])
    assert Words(actions=["governance.decision_recorded"]).problems(["Kind: governance.decision_recorded"])
    assert not words.problems(["Body: Board of Trustees", "Decided on: 22 November 2026", "Votes for: 5",
                               "Outcome: Carried", "Page 2 of 6", "Events about Decision TB-2026-006"])


def test_every_history_and_explorer_view_of_the_demo_speaks_in_words(trustee_client):
    client, found = trustee_client, []
    words = Words(actions=AuditEvent.objects.values_list("action", flat=True))

    def check(url, lines, **params):
        found.extend(f"{url} {params or ''}: {problem}" for problem in words.problems(lines))

    for reference in Decision.objects.order_by("reference").values_list("reference", flat=True):
        url = f"/governance/decisions/{reference}/history/"
        check(url, visible_lines(_page(client, url)[0]))
        csv_url = f"/governance/decisions/{reference}/history.csv"
        check(csv_url, _csv_lines(_page(client, csv_url)[0]))

    html, reply = _page(client, "/audit/")
    check("/audit/", visible_lines(html))
    for number in range(2, reply.context["page_obj"].paginator.num_pages + 1):
        check("/audit/", visible_lines(_page(client, "/audit/", page=number)[0]), page=number)

    html, reply = _page(client, "/audit/history/")
    check("/audit/history/", visible_lines(html))
    kinds = [value for value, _name in reply.context["form"].fields["kind"].choices if value]
    assert len(kinds) > 10
    for kind in kinds:
        pages = _page(client, "/audit/history/", kind=kind)[1].context["page_obj"].paginator.num_pages
        for number in range(1, pages + 1):
            check("/audit/history/", visible_lines(_page(client, "/audit/history/", kind=kind, page=number)[0]),
                  kind=kind, page=number)
        for object_id in apps.get_model(kind).history.values_list("id", flat=True).distinct().order_by("id"):
            check("/audit/history/", visible_lines(_page(client, "/audit/history/", kind=kind, object_id=object_id)[0]),
                  kind=kind, object_id=object_id)

    pages = _page(client, "/admin/audit_ledger/")[1].context["page_obj"].paginator.num_pages
    for number in range(1, pages + 1):
        check("/admin/audit_ledger/", visible_lines(_page(client, "/admin/audit_ledger/", p=number)[0]), p=number)
    for action in AuditEvent.objects.values_list("action", flat=True).distinct():
        event = AuditEvent.objects.filter(action=action).order_by("pk").first()
        url = f"/admin/audit_ledger/inspect/{event.pk}/"
        check(url, visible_lines(_page(client, url)[0]))

    assert not found, f"{len(found)} problems, the first ones:\n" + "\n".join(found[:25])


def test_the_decision_history_pdf_speaks_in_words_too(trustee_client):
    decision = Decision.objects.filter(outcomes__isnull=False, actions__isnull=False).order_by("reference").first()
    reply = trustee_client.get(f"/governance/decisions/{decision.reference}/history.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(reply.content)).pages)
    lines = [line.strip() for line in text.splitlines() if line.strip()]

    assert reply.status_code == 200 and decision.reference in text
    assert not Words(actions=AuditEvent.objects.values_list("action", flat=True)).problems(lines)


# --- one actor for each change --------------------------------------------------------------------
def _actor(event: AuditEvent):
    link = ActorPseudonym.objects.filter(key=event.actor_key).select_related("user").first()
    return link.user if link else None


def _first_history(model, pk, **fields):
    return model.history.filter(id=pk, **fields).order_by("history_date", "history_id").first()


def test_each_demo_history_row_names_the_person_its_ledger_event_names(demo):
    secretary = User.objects.get(email="secretary@example.org")
    pairs = []
    for event in AuditEvent.objects.filter(action="governance.decision_recorded"):
        pairs.append((event, _first_history(Decision, int(event.target_id), history_type="+")))
    for event in AuditEvent.objects.filter(action="governance.action_created"):
        pairs.append((event, _first_history(Action, event.data["action"], history_type="+")))
    for event in AuditEvent.objects.filter(action="governance.meeting_held"):
        pairs.append((event, _first_history(Meeting, int(event.target_id), status=Meeting.Status.HELD)))
    for event in AuditEvent.objects.filter(action="governance.membership_changed"):
        pairs.append((event, _first_history(Membership, int(event.target_id), history_type="+")))
    for event in AuditEvent.objects.filter(action="voting.ballot_opened"):
        pairs.append((event, _first_history(Ballot, int(event.target_id), status=Ballot.Status.OPEN)))

    assert len(pairs) > 40 and all(record is not None for _event, record in pairs)
    mismatched = [(e.action, e.target_id) for e, record in pairs if record.history_user != _actor(e)]
    assert mismatched == []
    assert {record.history_user for e, record in pairs if e.action.startswith("governance.")} == {secretary}


def test_no_demo_record_is_credited_to_the_system(demo):
    models = [Body, Meeting, Decision, Action, Membership, Ballot]

    assert all(model.history.exists() for model in models)
    assert [model.__name__ for model in models if model.history.filter(history_user__isnull=True).exists()] == []


def test_a_service_credits_its_user_even_inside_someone_elses_request(home_page, user_factory):
    board = Body.objects.create(name="Board", slug="board", code="BD")
    secretary = user_factory(roles=[roles.SECRETARIES], display_name="Sam Secretary")
    bystander = user_factory(display_name="Bea Bystander")
    HistoricalRecords.context.request = SimpleNamespace(user=bystander)
    try:
        membership = services.membership_change(body=board, person=bystander, user=secretary)
        board.quorum = 5
        board.save()
    finally:
        del HistoricalRecords.context.request

    assert membership.history.get().history_user == secretary  # the service's user, as in its ledger event
    assert board.history.latest().history_user == bystander  # the request's user again once it returned
