"""The load run's world, and the check of the database against what the load generator saw accepted.

    python bench/load/world.py seed --accounts 120 --out world.json
    python bench/load/world.py reconcile --world world.json --outcomes outcomes.json
    python bench/load/world.py outbox-wait --seconds 60
    python bench/load/world.py close-and-check --world world.json --outcomes outcomes.json --host URL

All three run with whatever settings the environment gives (bench/load/run.py gives the production ones and
a fresh PostgreSQL database). `seed` builds, through the real services:

- ACCOUNTS service-user accounts `load-user-NNN@load.example.org` (the sign-up service: group, profile,
  ledger event) with one known password. The password is hashed once and the same hash is given to
  every account, so seeding does not spend a minute in PBKDF2; signing in still checks it in full.
- An open consultation for service users only, where each person chooses whether to keep their name,
  with live results and seven questions: short text (required), choose one (required), choose any, a
  scale, put in order, yes/no and long free text. Published as an editor would (a revision).
- Two open, secret ballots whose electorate is every service-user member, opened by a returning officer
  with `ballot_open` (which freezes the roll): an approval ballot and a ranked (instant run-off) one.

`reconcile` prints the figures and exits 1 when the database does not match exactly what was accepted:
submitted responses against the resume tokens whose "send" was answered with the confirmation, ballot
papers against the receipt codes shown (by their hashes), roll entries marked as voted against papers,
no person with two live named responses, and the outbox: nothing left pending, running or failed, and
exactly one receipt email, run, for each named response sent. `outbox-wait` (run while the Celery worker
still runs) waits up to a minute for the outbox to empty. `close-and-check` (run while gunicorn still
runs) closes the ballots as the returning officer would and checks every receipt code shown through the
receipts page, by POST, as a voter would: each must be found (and a made-up one must not), and the
access log, grepped afterwards by run.py, must hold none of them.
"""

import argparse
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "load-run-password-2026"
EMAIL = "load-user-{:03d}@load.example.org"
OFFICER = "load-returning-officer@load.example.org"
CONSULTATION_SLUG = "load-run-evening-groups"
APPROVAL_TITLE = "Load run: what should the council look at next?"
RANKED_TITLE = "Load run: chair of the Service User Council"

QUESTIONS = [
    {"kind": "short_text", "prompt": "In a few words, what is going well at the evening groups?", "required": True},
    {
        "kind": "single_choice",
        "prompt": "Which evening would suit you best?",
        "required": True,
        "choices": "Monday\nTuesday\nWednesday\nThursday\nI cannot come in the evening",
    },
    {
        "kind": "multiple_choice",
        "prompt": "What would help you get to a group?",
        "choices": "A reminder by text message\nHelp with bus fares\nSomeone to meet me at the door\nAn online group",
    },
    {
        "kind": "scale",
        "prompt": "How welcome did you feel the last time you came?",
        "scale_low_label": "Not welcome at all",
        "scale_high_label": "Very welcome",
    },
    {
        "kind": "ranking",
        "prompt": "Which changes matter most to you?",
        "choices": "A quieter room\nHot food at the start\nA peer worker to talk to afterwards",
    },
    {"kind": "yes_no", "prompt": "Would you like a group for young adults aged 18 to 25?"},
    {"kind": "long_text", "prompt": "Is there anything else you want to tell us?"},
]
TOPICS = ["Support at weekends", "Help with benefit forms", "Groups for young adults", "Meeting online"]
CANDIDATES = ["Jo", "Kai", "Lena", "Marcus", "Rhiannon"]


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
    import django

    django.setup()


# --- seed -----------------------------------------------------------------------------------------
def seed(accounts: int) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction

    from portal.accounts import roles
    from portal.accounts.models import User
    from portal.accounts.services import user_sign_up
    from portal.home.setup import ensure_home_page

    with transaction.atomic():
        home = ensure_home_page()
        hashed = make_password(PASSWORD)
        emails = [EMAIL.format(n) for n in range(1, accounts + 1)]
        for n, email in enumerate(emails, start=1):
            if not User.objects.filter(email=email).exists():
                user = user_sign_up(email=email, display_name=f"Load user {n}", password=None)
                User.objects.filter(pk=user.pk).update(password=hashed)
        officer = User.objects.filter(email=OFFICER).first()
        if officer is None:
            officer = user_sign_up(email=OFFICER, display_name="Load returning officer", password=None)
            officer.groups.set([Group.objects.get(name=roles.RETURNING_OFFICERS)])
        page = _consultation(home)
        ballots = [_approval_ballot(officer), _ranked_ballot(officer)]
    return {
        "password": PASSWORD,
        "accounts": emails,
        "consultation": {
            "id": page.pk,
            "url": page.get_url(),
            "questions": [
                {"kind": q.kind, "required": q.required, "choices": len(q.choice_list)}
                for q in page.questions.order_by("sort_order")
            ],
        },
        "ballots": [
            {"id": b.pk, "kind": b.kind, "options": list(b.options.order_by("order").values_list("pk", flat=True))}
            for b in ballots
        ],
    }


def _consultation(home):
    from django.utils import timezone

    from consultations.models import (
        Audience,
        ConsultationIndexPage,
        ConsultationPage,
        Identity,
        Question,
        ResultsVisibility,
    )

    page = ConsultationPage.objects.filter(slug=CONSULTATION_SLUG).first()
    if page is not None:
        return page
    index = ConsultationIndexPage.objects.child_of(home).first()
    if index is None:
        index = ConsultationIndexPage(slug="have-your-say", title="Have your say", intro="Tell us what you think.")
        home.add_child(instance=index)
        index.save_revision().publish()
    now = timezone.now()
    page = ConsultationPage(
        slug=CONSULTATION_SLUG,
        title="Load run: improving our evening groups",
        summary="A consultation made for the load run: seven questions, answered by many people at once.",
        easy_read_summary="<p>We want to make our evening groups better.</p><p>Tell us what you think.</p>",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        audience=Audience.SERVICE_USERS,
        identity=Identity.CHOOSE,
        results_visibility=ResultsVisibility.LIVE,
    )
    page.questions = [Question(sort_order=n, **q) for n, q in enumerate(QUESTIONS)]
    index.add_child(instance=page)
    page.save_revision().publish()
    return ConsultationPage.objects.get(pk=page.pk)


def _open_ballot(officer, title: str, options: list[str], **fields):
    from django.utils import timezone

    from voting.models import Ballot, BallotOption
    from voting.services import ballot_open

    ballot = Ballot.objects.filter(title=title).first()
    if ballot is None:
        now = timezone.now()
        ballot = Ballot.objects.create(
            title=title,
            electorate=Ballot.Electorate.SERVICE_USERS,
            secret=True,
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(days=1),
            **fields,
        )
        for order, label in enumerate(options):
            BallotOption.objects.create(ballot=ballot, label=label, order=order)
    if ballot.status == Ballot.Status.DRAFT:
        ballot = ballot_open(ballot=ballot, user=officer, tell_voters=False)
    return ballot


def _approval_ballot(officer):
    from voting.models import Ballot

    return _open_ballot(officer, APPROVAL_TITLE, TOPICS, kind=Ballot.Kind.APPROVAL,
                        description="Choose every topic you would like the council to look at.")


def _ranked_ballot(officer):
    from voting.models import Ballot

    return _open_ballot(officer, RANKED_TITLE, CANDIDATES, kind=Ballot.Kind.IRV,
                        description="Number the candidates in order of preference.")


# --- reconcile ------------------------------------------------------------------------------------
def reconcile(world: dict, outcomes: dict) -> bool:
    """Print the database's figures beside what was accepted; True when everything matches exactly."""
    from django.db.models import Count

    from consultations.models import Answer, Response
    from portal.audit.selectors import audit_verify
    from portal.jobs.models import OutboxMessage
    from voting.models import Ballot, BallotPaper, BallotReceipt, RollEntry, SealedPaper
    from voting.services import receipt_hash

    ok = True

    def line(label: str, db, seen, good: bool) -> None:
        nonlocal ok
        ok = ok and good
        print(f"  {label:<58} database {db!s:>6}   load generator {seen!s:>6}   {'ok' if good else 'MISMATCH'}")

    print("\nDatabase against what was accepted")
    page_id = world["consultation"]["id"]
    responses = Response.objects.filter(consultation_id=page_id)
    submitted = set(responses.filter(status=Response.Status.SUBMITTED).values_list("resume_token", flat=True))
    accepted = set(outcomes.get("sent_tokens", []))
    line("submitted consultation responses", len(submitted), len(accepted), submitted == accepted)
    if submitted != accepted:
        print(f"    in the database only: {len(submitted - accepted)}; accepted but not submitted: {len(accepted - submitted)}")
    in_flight = set(outcomes.get("send_in_flight", []))
    if in_flight:
        print(f"    sends still in flight when the run stopped: {len(in_flight)}")
    references = set(responses.filter(status=Response.Status.SUBMITTED).values_list("reference", flat=True))
    shown = set(outcomes.get("references", []))
    line("  of which the reference was shown on 'Answers sent'", len(references & shown), len(shown), shown <= references)
    answered = Answer.objects.filter(response__consultation_id=page_id, response__status=Response.Status.SUBMITTED)
    no_answers = responses.filter(status=Response.Status.SUBMITTED).exclude(answers__isnull=False).count()
    line("submitted responses with no Answer rows", no_answers, 0, no_answers == 0)
    twice = (
        responses.filter(respondent__isnull=False).exclude(status=Response.Status.WITHDRAWN)
        .values("respondent").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    line("people with two live named responses", twice, 0, twice == 0)
    print(f"  (drafts left unsent: {responses.filter(status=Response.Status.DRAFT).count()}; "
          f"answers stored: {answered.count()}; double sends tried: {outcomes.get('double_sends', 0)}; "
          f"starts from two tabs at once: {outcomes.get('two_tab_starts', 0)})")

    receipts = outcomes.get("receipts", {})
    for info in world["ballots"]:
        ballot = Ballot.objects.get(pk=info["id"])
        stored = set(BallotReceipt.objects.filter(ballot=ballot).values_list("receipt_hash", flat=True))
        papers = BallotPaper.objects.filter(ballot=ballot).count()
        codes = receipts.get(str(ballot.pk), [])
        hashes = {receipt_hash(code) for code in codes}
        print(f"  ballot {ballot.pk} ({ballot.kind}, {ballot.status}, roll {RollEntry.objects.filter(ballot=ballot).count()}):")
        line("  receipts counted / receipt codes shown", len(stored), len(codes),
             stored == hashes and len(hashes) == len(codes))
        line("  ballot papers counted / receipt codes shown", papers, len(codes), papers == len(codes))
        sealed = SealedPaper.objects.filter(ballot=ballot).count()
        line("  sealed papers left after close", sealed, 0, sealed == 0 and ballot.status == Ballot.Status.CLOSED)
        voted = RollEntry.objects.filter(ballot=ballot, has_voted=True).count()
        line("  roll entries marked voted / ballot papers", voted, papers, voted == papers)
    print(f"  (votes answered 'already voted': {outcomes.get('already_voted', 0)}; "
          f"double confirms tried: {outcomes.get('double_votes', 0)})")

    result = audit_verify()
    line("audit ledger unbroken (events)", result.count, "-", bool(result.ok))
    Status = OutboxMessage.Status
    waiting = OutboxMessage.objects.filter(status__in=[Status.PENDING, Status.RUNNING]).count()
    line("outbox messages still pending or running", waiting, 0, waiting == 0)
    failed = OutboxMessage.objects.filter(status=Status.FAILED).count()
    line("outbox messages failed", failed, 0, failed == 0)
    named = set(
        responses.filter(status=Response.Status.SUBMITTED, respondent__isnull=False).values_list("pk", flat=True)
    )
    receipts_queued = list(
        OutboxMessage.objects.filter(job="consultations.send_receipt_email").values_list("payload", "status")
    )
    ids = [payload.get("response_id") for payload, _ in receipts_queued]
    line("receipt emails queued / named responses sent", len(ids), len(named),
         set(ids) == named and len(ids) == len(set(ids)))
    if set(ids) != named:
        print(f"    for no named sent response: {len(set(ids) - named)}; named sent responses without one: "
              f"{len(named - set(ids))}")
    done = sum(1 for _, status in receipts_queued if status == Status.DONE)
    line("  of which done", done, len(ids), done == len(ids))
    print(f"  (outbox messages: {OutboxMessage.objects.count()}, done: "
          f"{OutboxMessage.objects.filter(status=Status.DONE).count()})")
    return ok


def outbox_wait(seconds: float) -> None:
    """Wait until no outbox message is pending or running (or `seconds` pass); the worker runs them."""
    import time

    from portal.jobs.models import OutboxMessage

    began = time.monotonic()
    busy = [OutboxMessage.Status.PENDING, OutboxMessage.Status.RUNNING]
    while True:
        waiting = OutboxMessage.objects.filter(status__in=busy).count()
        if waiting == 0 or time.monotonic() - began >= seconds:
            break
        time.sleep(0.5)
    state = "all run" if waiting == 0 else f"{waiting} still pending or running"
    print(f"outbox: {state} after {time.monotonic() - began:.0f} s of waiting")


def close_and_check(world: dict, outcomes: dict, host: str) -> bool:
    """Close the load run's ballots, then check every receipt code shown through the receipts page by POST."""
    import re

    import requests

    from voting.models import Ballot
    from voting.services import ballot_close

    token_pattern = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    ok = True
    print("\nClosing the ballots and checking every receipt code shown, by POST through gunicorn")
    for info in world["ballots"]:
        ballot = ballot_close(ballot=Ballot(pk=info["id"]))
        url = f"{host}/ballots/{ballot.pk}/receipts/"
        page = requests.get(url, timeout=30)
        cookies = {"csrftoken": page.cookies.get("csrftoken", "")}  # Secure cookie, sent back to loopback by hand
        token = token_pattern.search(page.text).group(1)
        codes = outcomes.get("receipts", {}).get(str(ballot.pk), [])
        found = 0
        for code in codes + ["AAAA-BBBB-CCCC"]:
            reply = requests.post(url, data={"csrfmiddlewaretoken": token, "code": code}, cookies=cookies,
                                  headers={"Referer": url}, timeout=30)
            found += reply.status_code == 200 and "Your vote was counted" in reply.text
        good = found == len(codes)
        ok = ok and good
        print(f"  ballot {ballot.pk}: {ballot.tally['turnout']['papers']} papers counted; {found} of {len(codes)} "
              f"receipt codes found (and a made-up one {'not found' if good else 'FOUND'})   "
              f"{'ok' if good else 'MISMATCH'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    seed_cmd = sub.add_parser("seed")
    seed_cmd.add_argument("--accounts", type=int, default=120)
    seed_cmd.add_argument("--out", required=True)
    check_cmd = sub.add_parser("reconcile")
    check_cmd.add_argument("--world", required=True)
    check_cmd.add_argument("--outcomes", required=True)
    wait_cmd = sub.add_parser("outbox-wait")
    wait_cmd.add_argument("--seconds", type=float, default=60)
    close_cmd = sub.add_parser("close-and-check")
    close_cmd.add_argument("--world", required=True)
    close_cmd.add_argument("--outcomes", required=True)
    close_cmd.add_argument("--host", required=True)
    args = parser.parse_args()
    _django()
    if args.command == "seed":
        world = seed(args.accounts)
        Path(args.out).write_text(json.dumps(world, indent=1))
        print(f"seeded {len(world['accounts'])} service users, consultation {world['consultation']['url']} "
              f"({len(world['consultation']['questions'])} questions), ballots "
              + ", ".join(f"{b['id']} ({b['kind']})" for b in world["ballots"]))
        return
    if args.command == "outbox-wait":
        outbox_wait(args.seconds)
        return
    world = json.loads(Path(args.world).read_text())
    outcomes = json.loads(Path(args.outcomes).read_text())
    if args.command == "close-and-check":
        sys.exit(0 if close_and_check(world, outcomes, args.host) else 1)
    sys.exit(0 if reconcile(world, outcomes) else 1)


if __name__ == "__main__":
    main()
