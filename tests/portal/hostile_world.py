"""Helpers for the hostile-input tests (tests/portal/test_hostile_input.py).

- `all_urls(world)`: every URL the access matrix knows (our URL patterns with the world's values filled
  in, and every route of our routable pages), so a new view is swept here as soon as it has a row there.
- `parse_forms(html)`: the forms on a page, with their fields as a browser would send them, so the tests
  can fill every free-text field of every form they find instead of a hand-kept list.
- `raw_markup(html)`: the hostile markup that got through unescaped, if any.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.urls import reverse

from portal.audit.models import AuditEvent

from .access_world import World, our_page_routes, our_url_patterns

# Script payloads: each carries a marker that only appears raw if it was not escaped.
SCRIPT_PAYLOADS = {
    "script-tag": '<script>alert("hx1")</script>',
    "img-onerror": '"><img src=x onerror=alert("hx2")>',
    "textarea-breakout": '</textarea><script>alert("hx3")</script>',
    "js-url": 'javascript:alert("hx4")',
    "template-syntax": "{{ settings.SECRET_KEY }}{% debug %}<svg onload=alert('hx5')>",
}
# Any of these in a page means markup someone typed was run as markup.
RAW_MARKERS = re.compile(
    r"<script>alert|<img src=x onerror|<svg onload|<iframe[^>]*hx|href=\"?\s*javascript:|src=\"?\s*javascript:",
    re.IGNORECASE,
)


def raw_markup(html: str) -> list[str]:
    """The hostile markup found raw in `html` (with a little context), empty when all of it was escaped."""
    return [html[max(0, m.start() - 40): m.end() + 40] for m in RAW_MARKERS.finditer(html)]


# ---- every URL -----------------------------------------------------------------------------------------
def url_values(world: World) -> dict:
    """Values for URL arguments, by kwarg name: the first object of each kind in the world."""
    o = world.objects
    return {
        "reference": o["decision"].reference,
        "pk": None,  # filled per route from PK_FOR below
        "slug": o["body"].slug,
        "kind": "meetings",
        "uidb64": "MQ",
        "token": "not-a-token",
        "page_id": o["open_consultation"].pk,
        "number": o["paper_vote"].number,
        "year": o["statement_year"],
    }


# Which world object a route's `pk` means, by the route name's start; the rest get a safe default below.
PK_FOR = {
    "proposals:comment-new": "mod_proposal",
    "proposals:proposal-report": "mod_proposal",
    "proposals:comment-report": "mod_comment",
    "proposals:proposal-resubmit": "mod_held_proposal",
    "proposals:comment-resubmit": "mod_held_comment",
    "proposals:moderate-proposal": "mod_held_proposal",
    "proposals:moderate-comment": "mod_held_comment",
    "proposals:decide": "agenda_proposal",
    "proposals:place": "agenda_proposal",
    "proposals:": "mod_proposal",
    "involvement:claim-new": "own_participation",
    "involvement:claim": "own_claim",
    "involvement:receipt": "own_receipt",
    "involvement:finance-claim": "other_claim",
    "involvement:finance-batch": "batch",
    "involvement:": "opportunity",
    "governance:action-status": "action",
    "governance:decision-new": "meeting",
    "governance:meeting-detail": "meeting",
    "jobs:": "own_job",
    "privacy:consent-withdraw": "consent",
    "paper-responses:": "paper_batch",
    "voting:papers": "closed_ballot",
    "voting:paper-vote": "counting_ballot",
    "voting:": "open_ballot",
    "voting_admin_ballots:": "draft_ballot",
    "voting_admin_ballot_open": "draft_ballot",
    "voting_admin_ballot_electorate": "draft_ballot",
    "voting_admin_ballot": "open_ballot",
    "governance_admin_agenda_items:": "agenda_item",
    "governance_admin_bodies:": "body",
    "governance_admin_meetings:": "meeting",
    "governance_admin_memberships:": "membership",
    "audit_ledger:": "event",
    "audit:checkpoint-file": "event",
    "governance:minutes-circulated": "minutes",
    "governance_minutes_sign_off": "minutes",
    "audit:verify-result": "own_job",
}


def _pk_for(name: str, world: World):
    for start, key in PK_FOR.items():
        if name.startswith(start):
            if key == "membership":
                return world.objects["body"].memberships.first().pk
            if key == "event":
                return AuditEvent.objects.order_by("pk").first().pk
            return world.objects[key].pk
    raise KeyError(f"hostile_world.PK_FOR has no entry for {name}: say which object its pk means")


def all_urls(world: World, pages: dict) -> list[tuple[str, str]]:
    """(what, url) for every URL pattern of ours and every route of our routable pages.

    `pages` maps a page model's name to the page instance (with an anonymous draft in world.objects
    under draft_<pk> for consultations) whose routes are swept.
    """
    values = url_values(world)
    found = []
    for route in our_url_patterns():
        kwargs = {}
        for kwarg in route.kwarg_names:
            kwargs[kwarg] = _pk_for(route.name, world) if kwarg == "pk" else values[kwarg]
        found.append((route.name, reverse(route.name, kwargs=kwargs)))
    for key in our_page_routes():
        model, route = key.split(":", 1)
        page = pages[model]
        draft = world.objects.get(f"draft_{page.pk}")
        token = draft.resume_token if draft else None
        args = {"question": [token, 1], "check": [token], "done": [token], "withdraw": [token],
                "hear-back": [token]}.get(route, [])
        url = page.url + page.reverse_subpage(route, args=args) if route else page.url
        found.append((key, url))
    return found


# ---- forms on a page -----------------------------------------------------------------------------------
@dataclass
class FormField:
    name: str
    kind: str  # "text", "textarea", "select", "radio", "checkbox", "hidden", "email", "password", "file", ...
    value: str = ""
    options: list = field(default_factory=list)  # for select / radio: the values offered
    selected: bool = False  # for select / radio: one option was marked selected / checked
    labels: list = field(default_factory=list)  # for select: each option's text
    attrs: dict = field(default_factory=dict)


@dataclass
class Form:
    method: str
    action: str
    fields: list = field(default_factory=list)

    def field_names(self) -> list[str]:
        return sorted({f.name for f in self.fields})


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None
        self._radios: dict = {}

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(method=a.get("method", "get").lower(), action=a.get("action", ""))
            self._radios = {}
            self.forms.append(self._form)
            return
        form = self._form
        if tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            self._select.labels.append("")
            if "selected" in a:
                self._select.value, self._select.selected = value, True
            return
        if form is None or "name" not in a or "disabled" in a:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind == "radio":
                group = self._radios.get(a["name"])
                if group is None:
                    group = self._radios[a["name"]] = FormField(a["name"], "radio", attrs=a)
                    form.fields.append(group)
                group.options.append(a.get("value", "on"))
                if "checked" in a:
                    group.value = a.get("value", "on")
                return
            form.fields.append(FormField(a["name"], kind, a.get("value", ""), attrs=a))
        elif tag == "textarea":
            self._textarea = FormField(a["name"], "textarea", attrs=a)
            form.fields.append(self._textarea)
        elif tag == "select":
            self._select = FormField(a["name"], "select", attrs=a)
            form.fields.append(self._select)

    def handle_data(self, data):
        if self._select is not None and self._select.labels:
            self._select.labels[-1] += data
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            # A browser drops the newline that starts a textarea's content.
            self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None


def parse_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


# ---- filling a form ------------------------------------------------------------------------------------
# Text boxes that hold something other than free text (dates, numbers, slugs, codes, formset counts):
# filled with a valid value so the form can be accepted and the free text in it stored.
NOT_FREE_TEXT = re.compile(
    r"slug|code|date|_at$|_on$|_\d$|^order$|from$|^to$|timestamp|votes_|object_id|target_id|FORMS$", re.IGNORECASE
)
SIGN_UP_PASSWORD = "a long and hostile passphrase 42"


def is_free_text(f: FormField) -> bool:
    if "__prefix__" in f.name:
        return False
    if f.kind == "textarea":
        return True
    return f.kind in ("text", "search") and f.attrs.get("inputmode") != "numeric" and not NOT_FREE_TEXT.search(f.name)


def _valid_text(name: str, current: str, n: int) -> str:
    if current:
        return current
    if re.search(r"_at$", name):
        return "2030-03-28 10:00" if re.search("close|end", name) else "2030-03-27 10:00"
    if re.search(r"_on$|date", name):
        return "2030-03-27"
    parts = {"_0": "27", "_1": "3", "_2": "2030"}
    if name[-2:] in parts:
        return parts[name[-2:]]
    if "slug" in name:
        return f"hostile-{n}"
    if "code" in name:
        return f"ZQ{n}"
    return "1"


def fill(form: Form, text: str | list[str], n: int = 0) -> dict:
    """What a person would send: every free-text field holds `text` (or the next of a list of texts, in
    turn), everything else a valid value."""
    data: dict = {}
    texts = [text] if isinstance(text, str) else text
    free = 0
    for f in form.fields:
        if "__prefix__" in f.name or f.kind in ("file", "submit"):
            continue
        if is_free_text(f):
            value = texts[(n + free) % len(texts)]
            free += 1
        elif f.kind == "email":
            value = f.value or f"hostile-{n}@example.org"
        elif f.kind == "password":
            value = SIGN_UP_PASSWORD
        elif f.kind == "checkbox":
            if f.name.endswith("DELETE"):
                continue
            value = f.attrs.get("value") or "on"
            data.setdefault(f.name, []).append(value)
            continue
        elif f.kind == "select" and "multiple" in f.attrs:
            if f.value:
                data[f.name] = [f.value]
            continue
        elif f.kind == "select":
            # What a browser sends: the selected option, else the first; a required select gets a real one.
            value = f.value if f.value or f.selected else (f.options[0] if f.options else "")
            prompt = f.labels[0].strip() if f.labels else ""
            if not value and ("required" in f.attrs or prompt.startswith("Choose")):
                value = next((o for o in f.options if o), "")
        elif f.kind == "radio":
            value = f.value or next((o for o in f.options if o), "")
        elif f.kind in ("text", "number", "search"):
            value = _valid_text(f.name, f.value, n)
        else:
            value = f.value
        data[f.name] = value
    return data
