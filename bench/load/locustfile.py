"""Service users signing in, answering a consultation and voting, as a browser does it.

Run by bench/load/run.py (`make load`); the world it acts on (accounts, password, the consultation's
URL and questions, the ballots) comes from the JSON file named by LOAD_WORLD, written by
bench/load/world.py. What was accepted (resume tokens whose send was confirmed, references and receipt
codes shown, "already voted" answers, server errors) is written to LOAD_OUTCOMES when locust stops, for
the reconciliation against the database.

Each simulated person takes an account of their own and walks one journey: sign in through the real
sign-in page (CSRF token from the form), their ballots, then (half of them in this order, half voting
first) the consultation, "before you start", each question (the POST, then the page it redirects to,
as a browser follows it), "check your answers", send, the confirmation; and each ballot: the paper,
"check your vote", send. After that they browse
(home page, the consultation and its live results, their ballots) and now and then try to vote again.
Some people double-click "send" (two requests at once), some send "before you start" from two tabs at
once, and some first leave a required answer empty.

Every task is one step of the journey (a POST and the page it leads to), and the think time between
steps is locust's wait, so stopping the run never cuts a request off half way (with --stop-timeout).

Cookies: the production settings mark the session and CSRF cookies Secure. Browsers send Secure
cookies to http://127.0.0.1 (a trustworthy origin); Python's cookie jar does not (and requests copies
the jar into a fresh one for each request, so a cookie policy cannot say otherwise), so after each
response the cookies kept for this loopback server are marked not Secure.
"""

import itertools
import json
import os
import random
import re
from collections import Counter
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, events, task
from locust.exception import StopUser

WORLD = json.loads(open(os.environ["LOAD_WORLD"]).read()) if os.environ.get("LOAD_WORLD") else None
ACCOUNTS = itertools.count()
TIMEOUT = float(os.environ.get("LOAD_REQUEST_TIMEOUT", "90"))
DOUBLE_CLICK = 0.1  # share of people who press "send" twice quickly
FORGET_REQUIRED = 0.1  # share who first leave a required answer empty
TWO_TABS = 0.1  # share who send "before you start" from two tabs at once

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
IDEMPOTENCY = re.compile(r'name="idempotency_key" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
REFERENCE = re.compile(r"Your reference<br><strong>([A-Z0-9]+)</strong>")
RECEIPT = re.compile(r"Your receipt code<br><strong>([A-Z0-9-]+)</strong>")
ALREADY_VOTED = "You have already voted"

OUTCOMES = {
    "sent_tokens": set(),
    "send_in_flight": set(),
    "references": set(),
    "receipts": {},
    "already_voted": 0,
    "double_sends": 0,
    "double_votes": 0,
    "two_tab_starts": 0,
    "journeys_done": 0,
    "people": 0,  # simulated people who took an account
    "signed_in": set(),  # accounts: signed in
    "voted": set(),  # accounts: shown a receipt code in at least one ballot
    "answers_sent": set(),  # accounts: their send was answered with the confirmation
    "server_errors": Counter(),
    "connection_errors": Counter(),
    "unexpected": Counter(),
}
TEXTS = [
    "The people, and the tea.",
    "Being listened to without being judged.",
    "A reason to go out on a dark evening.",
    "Friendly peer workers who remember my name.",
]
LONG_TEXTS = [
    "It would help if the room was quieter. Sometimes there are too many people talking at once and I "
    "have to leave early. A smaller room for the first half hour would make it easier to settle in.",
    "Please keep the groups going through the winter. They matter more than you know.",
    "",
]


class ServiceUser(HttpUser):
    wait_time = between(1, 4)

    def on_start(self):
        if WORLD is None:
            raise StopUser()
        n = next(ACCOUNTS)
        if n >= len(WORLD["accounts"]):
            raise StopUser()  # more simulated people than accounts
        self.email = WORLD["accounts"][n]
        OUTCOMES["people"] += 1
        self.steps = self.journey()
        self.voted: list[int] = []
        self.done_url = None

    @task
    def step(self):
        try:
            next(self.steps)
        except StopIteration:
            self.steps = self.browse()
            next(self.steps)

    # --- requests -----------------------------------------------------------------------------
    def get(self, url: str, name: str, expect: int = 200):
        with self.client.get(url, name=name, allow_redirects=False, timeout=TIMEOUT, catch_response=True) as r:
            self._judge(r, name, expect)
        self._loopback_cookies()
        return r

    def post(self, url: str, data, name: str, expect: int = 302, referer: str | None = None):
        headers = {"Referer": self.host + (referer or url)}
        with self.client.post(url, data=data, name=name, allow_redirects=False, timeout=TIMEOUT,
                              catch_response=True, headers=headers) as r:
            self._judge(r, name, expect)
        self._loopback_cookies()
        return r

    def _loopback_cookies(self) -> None:
        """Send the Secure cookies back to this plain-http loopback server, as browsers do for 127.0.0.1."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def _judge(self, r, name: str, expect: int) -> None:
        if r.status_code == expect:
            r.success()
        elif r.status_code == 0:
            r.failure(f"connection error: {r.error!r}")  # counted by the request listener below
        else:
            OUTCOMES["unexpected"][name] += 1
            r.failure(f"expected {expect}, got {r.status_code}")

    def follow(self, r, name: str, expect: int = 200):
        """The page a 302 leads to, fetched as a browser follows it (None when there was no redirect)."""
        location = r.headers.get("Location") if r.status_code == 302 else None
        if not location:
            return None
        return self.get(urlsplit(location).path, name, expect)

    @staticmethod
    def csrf(r) -> str:
        found = CSRF.search(r.text or "")
        return found.group(1) if found else ""

    def start_form(self, page, named: str) -> dict:
        key = IDEMPOTENCY.search(page.text or "")
        return {
            "csrfmiddlewaretoken": self.csrf(page),
            "named": named,
            "lived_experience": random.choice(["yes", "no", "prefer_not", ""]),
            "idempotency_key": key.group(1) if key else "",
        }

    # --- the journey: each `yield` is a think time, and a safe place to stop ------------------
    def journey(self):
        page = self.get("/account/sign-in/", "sign-in page")
        yield
        r = self.post("/account/sign-in/", {"username": self.email, "password": WORLD["password"],
                                            "csrfmiddlewaretoken": self.csrf(page)}, "sign-in [POST]")
        if r.status_code != 302:
            return
        OUTCOMES["signed_in"].add(self.email)
        self.follow(r, "profile (after sign-in)")
        yield
        self.get("/ballots/", "my ballots")
        yield
        # Half answer the consultation first, half vote first, so both are under load from the start.
        parts = [self.answer_consultation()] + [self.vote(ballot) for ballot in WORLD["ballots"]]
        if random.random() < 0.5:
            parts = parts[1:] + parts[:1]
        for part in parts:
            yield from part
        OUTCOMES["journeys_done"] += 1

    def answer_consultation(self):
        consultation = WORLD["consultation"]
        base = consultation["url"]
        self.get(base, "consultation page")
        yield
        page = self.get(base + "start/", "before you start")
        yield
        data = self.start_form(page, named=random.choice(["yes", "no"]))
        if random.random() < TWO_TABS:
            # The same person has "before you start" open in two tabs and sends both at once, by name:
            # both must lead to the one draft (a person has at most one live named response).
            OUTCOMES["two_tab_starts"] += 1
            other = self.get(base + "start/", "before you start")
            data["named"] = "yes"
            forms = [data, self.start_form(other, named="yes")]
            both = [gevent.spawn(self.post, base + "start/", form, "before you start [POST]") for form in forms]
            gevent.joinall(both)
            answers = [g.value for g in both if g.value is not None and g.value.status_code == 302]
            if len({a.headers.get("Location") for a in answers}) > 1:
                OUTCOMES["unexpected"]["two tabs started two named drafts"] += 1
            if not answers:
                return
            r = answers[0]
        else:
            r = self.post(base + "start/", data, "before you start [POST]")
        page = self.follow(r, "question")
        if page is None or page.status_code != 200:
            return
        token = urlsplit(r.headers["Location"]).path.rstrip("/").split("/")[-2]
        questions = consultation["questions"]
        for number, question in enumerate(questions, start=1):
            yield
            url = f"{base}respond/{token}/{number}/"
            if question["required"] and random.random() < FORGET_REQUIRED:
                page = self.post(url, {"csrfmiddlewaretoken": self.csrf(page), "continue": ""},
                                 "question [POST, required answer missing]", expect=400)
                yield
            data = {"csrfmiddlewaretoken": self.csrf(page), "continue": "", **answer(question)}
            r = self.post(url, data, "question [POST]")
            last = number == len(questions)
            page = self.follow(r, "check your answers" if last else "question")
            if page is None or page.status_code != 200:
                return
        yield
        check_url = f"{base}respond/{token}/check/"
        data = {"csrfmiddlewaretoken": self.csrf(page)}
        OUTCOMES["send_in_flight"].add(token)
        if random.random() < DOUBLE_CLICK:
            OUTCOMES["double_sends"] += 1
            both = [gevent.spawn(self.post, check_url, data, "send answers [POST]") for _ in range(2)]
            gevent.joinall(both)
            sends = [g.value for g in both if g.value is not None]
        else:
            sends = [self.post(check_url, data, "send answers [POST]")]
        OUTCOMES["send_in_flight"].discard(token)
        done = [r for r in sends if r.status_code == 302 and r.headers.get("Location", "").endswith(f"/{token}/done/")]
        if not done:
            return
        OUTCOMES["sent_tokens"].add(token)
        OUTCOMES["answers_sent"].add(self.email)
        page = self.follow(done[0], "answers sent")
        found = REFERENCE.search(page.text or "") if page is not None else None
        if found:
            OUTCOMES["references"].add(found.group(1))
        self.done_url = urlsplit(done[0].headers["Location"]).path
        yield

    def vote(self, ballot: dict):
        url = f"/ballots/{ballot['id']}/vote/"
        paper = self.get(url, "ballot paper")
        yield
        if ALREADY_VOTED in (paper.text or ""):
            return
        options = list(ballot["options"])
        random.shuffle(options)
        data = {"csrfmiddlewaretoken": self.csrf(paper)}
        if ballot["kind"] == "approval":
            data["vote"] = options[: random.randint(1, len(options))]
        else:
            data.update({f"rank_{pk}": str(place) for place, pk in enumerate(options[: random.randint(1, len(options))], 1)})
        check = self.post(url, data, "check your vote [POST]", expect=200)
        if check.status_code != 200:
            return  # counted by _judge (unexpected status) or as a connection error
        if "Check your vote" not in (check.text or ""):
            OUTCOMES["unexpected"]["check your vote [POST]: no 'Check your vote' page"] += 1
            return
        yield
        hidden = [(name, value) for name, value in HIDDEN.findall(check.text)]
        data = hidden + [("confirmed", "1")]
        if random.random() < DOUBLE_CLICK:
            OUTCOMES["double_votes"] += 1
            both = [gevent.spawn(self.post, url, data, "send vote [POST]", 200) for _ in range(2)]
            gevent.joinall(both)
            answers = [g.value for g in both if g.value is not None]
        else:
            answers = [self.post(url, data, "send vote [POST]", expect=200)]
        for r in answers:
            if r.status_code != 200:
                continue  # counted by _judge (unexpected status) or as a connection error
            text = r.text or ""
            code = RECEIPT.search(text)
            if code:
                OUTCOMES["receipts"].setdefault(str(ballot["id"]), []).append(code.group(1))
                OUTCOMES["voted"].add(self.email)
                self.voted.append(ballot["id"])
            elif ALREADY_VOTED in text:
                OUTCOMES["already_voted"] += 1
            else:
                OUTCOMES["unexpected"]["send vote [POST]: neither a receipt code nor 'already voted'"] += 1
        yield

    def browse(self):
        """After the journey: read pages, and now and then try to vote again."""
        base = WORLD["consultation"]["url"]
        while True:
            choice = random.random()
            if choice < 0.25:
                self.get("/", "home page")
            elif choice < 0.45:
                self.get(base, "consultation page")
            elif choice < 0.65:
                self.get(base + "results/", "live results")
            elif choice < 0.8:
                self.get("/ballots/", "my ballots")
            elif choice < 0.9 and self.done_url:
                self.get(self.done_url, "answers sent")
            elif self.voted:
                r = self.get(f"/ballots/{random.choice(self.voted)}/vote/", "ballot paper (again)")
                if ALREADY_VOTED in (r.text or ""):
                    OUTCOMES["already_voted"] += 1
                else:
                    OUTCOMES["unexpected"]["ballot paper (again)"] += 1
            else:
                self.get("/", "home page")
            yield


def answer(question: dict) -> dict:
    """A plausible answer to one question, as the form's fields."""
    kind, n = question["kind"], question["choices"]
    if kind == "short_text":
        return {"answer": random.choice(TEXTS)}
    if kind == "long_text":
        return {"answer": random.choice(LONG_TEXTS)}
    if kind in ("single_choice", "yes_no"):
        return {"answer": str(random.randrange(n))}
    if kind == "scale":
        return {"answer": str(random.randint(1, 5))}
    if kind == "multiple_choice":
        return {"answer": [str(c) for c in random.sample(range(n), random.randint(0, n))]}
    if kind == "ranking":
        picked = random.sample(range(n), random.randint(0, n))
        return {f"rank_{c}": str(place) for place, c in enumerate(picked, start=1)}
    return {}


@events.request.add_listener
def count_errors(request_type, name, response_time, response_length, response=None, exception=None, **kw):
    status = getattr(response, "status_code", None)
    if status is not None and status >= 500:
        OUTCOMES["server_errors"][name] += 1
    elif exception is not None and not status:
        OUTCOMES["connection_errors"][name] += 1


@events.quitting.add_listener
def write_outcomes(environment, **kw):
    path = os.environ.get("LOAD_OUTCOMES")
    if not path:
        return
    data = {key: sorted(value) if isinstance(value, set) else value for key, value in OUTCOMES.items()}
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
