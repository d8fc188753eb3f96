"""Voters' pages (their ballots; the paper, a check step and the receipt) and the public, re-checkable
results: the count (rounds told in words and drawn), the receipts counted, and every paper (anonymous).

Before a ballot closes, every results route answers the same "not yet" page to everyone, superusers
included, so nothing about the count can leak early. Voters' pages are private and never cached.
"""

import hashlib
import json
from decimal import Decimal

from django import forms as django_forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from portal.dates import gov_datetime
from portal.home.stable import kept_html
from portal.responses import private

from . import result_words
from .forms import BallotPaperForm, ReceiptCheckForm
from .models import Ballot, BallotPaper, BallotReceipt, RollEntry
from .services import AlreadyVoted, VotingRefused, receipt_for, receipt_hash, vote_cast
from .tally import SCALE, fmt

NOT_ON_ROLL = "You are not on the list of people who can vote in this ballot. If you think you should be, contact the returning officer."
VOTING_CLOSED = "Voting in this ballot has closed. The results are published when the votes have been counted."
RECENT_CLOSED = 10


def _closed_or_not_yet(request, pk: int):
    ballot = get_object_or_404(Ballot.objects.exclude(status=Ballot.Status.DRAFT), pk=pk)
    if ballot.status != Ballot.Status.CLOSED:
        return ballot, TemplateResponse(request, "voting/not_yet.html", {"ballot": ballot})
    return ballot, None


def _labels(ballot: Ballot) -> dict[str, str]:
    return {str(pk): label for pk, label in ballot.options.values_list("pk", "label")}


def _detail_table(tally: dict, labels: dict[str, str]) -> tuple[list[str], list[dict]]:
    """The exact count for auditors and a recount: one column per round (IRV) or stage (STV), one row per
    option, then the votes that left the count and (STV) those lost to rounding, and the total, which is
    the number of valid votes in every column."""
    stv = tally.get("method") == "stv"
    steps = tally.get("stages" if stv else "rounds") or []
    key = "votes" if stv else "counts"
    rows = [
        {"label": labels.get(option, option), "cells": [step.get(key, {}).get(option, "–") for step in steps]}
        for option in tally.get("options", [])
    ]
    rows.append({"label": "Left the count (no more choices)", "cells": [step.get("exhausted", 0) for step in steps]})
    if stv:
        rows.append({"label": "Lost to rounding", "cells": [step.get("loss_total", "0.00000") for step in steps]})
        total = fmt(tally.get("valid", 0) * SCALE)
    else:
        total = tally.get("valid", 0)
    rows.append({"label": "Total", "cells": [total for _ in steps]})
    return [str(step.get("round") or step.get("stage")) for step in steps], rows


def _exact_moves(tally: dict, labels: dict[str, str]) -> list[str]:
    """What moved at each STV stage, to five decimal places, for the detailed section."""
    lines = []
    for step in tally.get("stages") or []:
        if step.get("action") == "first":
            continue
        name = labels.get(step.get("candidate"), step.get("candidate"))
        what = f"surplus of {name}, {step['surplus']}" if step["action"] == "surplus" else f"exclusion of {name}"
        moved = ", ".join(f"{labels.get(o, o)} {v}" for o, v in step.get("transfers", {}).items()) or "nobody"
        lines.append(f"Stage {step['stage']}: {what}. Transferred to {moved}; non-transferable "
                     f"{step['non_transferable']}; lost to rounding {step['loss']}.")
    return lines


BAR_COLOURS = {"elected": "#00703c", "out": "#505a5f", "": "#3d2c6e"}
OUT_OF_COUNT = (("left", "left the count (no more choices)"), ("lost", "lost to rounding"))


def _ranked_story(tally: dict, labels: dict[str, str]) -> list[dict]:
    """Each round (IRV) or stage (STV): its words (from `result_words`) and the geometry of its bar chart.

    The chart is drawn in SVG hidden from screen readers; the same totals are in the words for them. Bar
    widths are in % of the column, so the chart fits any screen width.
    """
    stv = tally.get("method") == "stv"
    steps = tally.get("stages" if stv else "rounds") or []
    key = "votes" if stv else "counts"
    quota = Decimal(tally["quota"]) if stv and tally.get("quota") else None
    # The longest bar fills the width; for STV the quota line sits at 80% at most, so it is never lost at the edge.
    top = max([Decimal(str(v)) for step in steps for v in step.get(key, {}).values()]
              + [(quota or 0) * Decimal("1.25"), Decimal(1)])
    words = result_words.explain(tally, labels)
    story, elected_before, out_before = [], set(), set()
    for step, told in zip(steps, words["steps"]):
        elected_now = set(step.get("elected") or [])
        if not stv and step is steps[-1] and tally.get("winner") is not None:
            elected_now.add(str(tally["winner"]))
        out_now = set(step.get("excluded") or ([step["eliminated"]] if step.get("eliminated") else []))
        bars = []
        for option, votes in told["totals"]:
            value = Decimal(str(step.get(key, {}).get(option, 0)))
            state = "elected" if option in elected_now | elected_before else "out" if option in out_now else ""
            note = {"elected": " (elected)", "out": " (out of the count)", "": ""}[state]
            bars.append({
                "text": f"{labels.get(option, option)}: {votes}{note}",
                "width": f"{max(value * 100 / top, Decimal('0.5')):.2f}%" if value > 0 else "",
                "colour": BAR_COLOURS[state],
            })
        elected_before |= elected_now
        out_before |= out_now
        story.append({
            "heading": told["heading"],
            "sentences": told["sentences"],
            "bars": bars,
            "totals": "; ".join([bar["text"] for bar in bars]
                                + [f"{what}: {told[key]}" for key, what in OUT_OF_COUNT
                                   if told[key] != "0 votes"]),
            "quota_x": f"{quota * 100 / top:.2f}%" if quota else "",
        })
    return story


def results(request, pk: int):
    """The count of a closed ballot: turnout, quorum, the result and, for ranked ballots, every round or
    stage told in plain words and drawn, with the exact count behind a "How the count works" disclosure."""
    ballot, not_yet = _closed_or_not_yet(request, pk)
    if not_yet:
        return not_yet
    labels = _labels(ballot)
    tally = ballot.tally
    ranked = tally.get("method") in ("stv", "irv")
    elected = tally.get("elected") or ([tally["winner"]] if tally.get("winner") else tally.get("winners", []))
    headings, rows = _detail_table(tally, labels) if ranked else ([], [])
    context = {
        "ballot": ballot,
        "tally": tally,
        "turnout": tally["turnout"],
        "elected": [labels.get(str(o), str(o)) for o in elected],
        "counts": [(labels.get(k, k), v) for k, v in (tally.get("counts") or {}).items()] if not ranked else [],
        "ranked": ranked,
        "round_headings": headings,
        "round_rows": rows,
        "exact_moves": _exact_moves(tally, labels) if ranked else [],
        "story": _ranked_story(tally, labels) if ranked else [],
        "outcome": result_words.outcome_sentences(tally, labels) if ranked else [],
        "quota": result_words.votes_text(tally["quota"] * 100) if tally.get("quota") else "",
        "has_surplus": any(step.get("action") == "surplus" for step in tally.get("stages") or []),
        "quota_floor": tally.get("valid", 0) // (tally.get("seats", 1) + 1),
        "any_lot": any(step.get("tie_break") == "lot" for step in tally.get("stages") or tally.get("rounds") or []),
    }
    return TemplateResponse(request, "voting/results.html", context)


@require_http_methods(["GET", "POST"])
def receipts(request, pk: int):
    """Every receipt hash counted, and a box to check one's own receipt code against the list.

    The code is checked by POST, so it never appears in a URL, an access log or a Referer header; a code
    in the query string is ignored, not echoed. The list is the receipts alone: nothing pairs a receipt
    with a paper, so a code shows that a vote was counted, never which vote it was.
    """
    ballot, not_yet = _closed_or_not_yet(request, pk)
    if not_yet:
        return not_yet
    hashes = list(BallotReceipt.objects.filter(ballot=ballot).order_by("receipt_hash").values_list("receipt_hash", flat=True))
    form, found = ReceiptCheckForm(request.POST or None), None
    if request.method == "POST" and form.is_valid():
        found = receipt_hash(form.cleaned_data["code"]) in set(hashes)
    status = 400 if form.errors else 200
    response = TemplateResponse(request, "voting/receipts.html", {"ballot": ballot, "hashes": hashes, "form": form,
                                                                  "found": found}, status=status)
    return private(response) if request.method == "POST" else response


def papers(request, pk: int):
    """Every paper of a closed ballot as JSON: the choices on each, and separately every receipt hash
    counted. No names, and nothing pairs a receipt with a paper (both lists are in sorted order)."""
    ballot, not_yet = _closed_or_not_yet(request, pk)
    if not_yet:
        raise Http404("The papers are published when the ballot closes.")
    document = {
        "ballot": ballot.pk,
        "kind": ballot.kind,
        "seats": ballot.seats,
        "options": _labels(ballot),
        "tally_hash": ballot.tally_hash,
        "papers": [
            {"id": str(pid), "choices": choices}
            for pid, choices in BallotPaper.objects.filter(ballot=ballot).order_by("id").values_list("id", "choices")
        ],
        "receipt_hashes": list(
            BallotReceipt.objects.filter(ballot=ballot).order_by("receipt_hash").values_list("receipt_hash", flat=True)
        ),
    }
    body = json.dumps(document, indent=1)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="ballot-{ballot.pk}-papers.json"'
    response["X-Content-SHA256"] = hashlib.sha256(body.encode()).hexdigest()
    return response



def _refused(request, ballot, heading: str, message: str, status: int = 200, receipts_link: bool = False):
    context = {"ballot": ballot, "heading": heading, "message": message, "receipts_link": receipts_link}
    return private(TemplateResponse(request, "voting/refused.html", context, status=status))


def _already_voted(request, ballot):
    return _refused(request, ballot, "You have already voted", AlreadyVoted().args[0], receipts_link=True)


def _paper(request, ballot, form, status: int = 200, form_html: str = ""):
    context = {"ballot": ballot, "form": form, "form_html": form_html}
    return private(TemplateResponse(request, "voting/vote.html", context, status=status))


def _kept(form: BallotPaperForm, data) -> dict:
    """What the person chose, as initial values for an unbound paper (shown again without error messages)."""
    return {
        name: data.getlist(name) if isinstance(field, django_forms.MultipleChoiceField) else data.get(name, "")
        for name, field in form.fields.items()
    }


def _check_page(request, ballot, form: BallotPaperForm):
    """The person's choices in plain words, carried in hidden inputs with the paper's own field names,
    and the receipt code the vote will have (shown now, so it is not lost if the connection drops after
    the vote is sent; derived for this person and ballot, so it is the same on every visit and nothing
    about it travels in the form)."""
    labels = {option.pk: option.label for option in form.options}
    choices = form.choices_value()
    hidden: list[tuple[str, str]] = []
    left_out: list[str] = []
    if ballot.kind in (Ballot.Kind.IRV, Ballot.Kind.STV):
        lines = [f"{place}. {labels[pk]}" for place, pk in enumerate(choices, start=1)]
        hidden = [(f"rank_{pk}", str(place)) for place, pk in enumerate(choices, start=1)]
        left_out = [option.label for option in form.options if option.pk not in choices]
    elif ballot.kind == Ballot.Kind.MOTION:
        lines = [dict(form.fields["vote"].choices)[choices]]
        hidden = [("vote", choices)]
    else:
        picked = choices if isinstance(choices, list) else [choices]
        lines = [labels[int(pk)] for pk in picked]
        hidden = [("vote", str(pk)) for pk in picked]
    ranked = ballot.kind in (Ballot.Kind.IRV, Ballot.Kind.STV)
    list_heading = "Your choices, in order" if ranked else "Your choices" if len(lines) > 1 else "Your vote"
    context = {"ballot": ballot, "lines": lines, "hidden": hidden, "left_out": left_out, "list_heading": list_heading,
               "code": receipt_for(ballot, request.user)}
    return private(TemplateResponse(request, "voting/check.html", context))


# Every step of voting reads the ballot and the person's roll entry first, so they are read in plain SQL:
# building these queries with the ORM took three times as long as running them (bench: "vote").
_BALLOT_SQL = "SELECT * FROM voting_ballot WHERE id = %s AND status <> %s"
_ENTRY_SQL = "SELECT * FROM voting_rollentry WHERE ballot_id = %s AND voter_id = %s LIMIT 1"


@login_required
@require_http_methods(["GET", "POST"])
def vote(request, pk: int):
    """The ballot paper, a "Check your vote" page, then the receipt. Stateless: every step is one request.

    GET shows the paper. POST without `confirmed` validates it: errors re-show the paper (400) with the
    choices kept; a valid paper shows the check page, whose hidden inputs carry the same field names.
    POST with `change=1` (and no `confirmed`) shows the paper again, filled in. POST with `confirmed=1`
    and a valid paper casts the vote. A second vote, from any tab or device, is told plainly that the
    person has already voted (200); someone not on the roll gets a plain 403.
    """
    ballot = next(iter(Ballot.objects.raw(_BALLOT_SQL, [pk, Ballot.Status.DRAFT.value])), None)
    if ballot is None:
        raise Http404("There is no ballot here.")
    entry = next(iter(RollEntry.objects.raw(_ENTRY_SQL, [ballot.pk, request.user.pk])), None)
    if entry is None:
        return _refused(request, ballot, "You cannot vote in this ballot", NOT_ON_ROLL, status=403)
    if entry.has_voted:
        return _already_voted(request, ballot)
    now = timezone.now()
    if ballot.status == Ballot.Status.OPEN and now < ballot.opens_at:
        when = gov_datetime(ballot.opens_at)
        return _refused(request, ballot, "Voting has not started yet", f"Voting opens on {when}.")
    if ballot.status != Ballot.Status.OPEN or now >= ballot.closes_at:
        return _refused(request, ballot, "Voting has closed", VOTING_CLOSED)
    if request.method == "GET":
        # The blank paper is the same for every voter (its options are frozen when the ballot opens, and
        # opening, closing or editing a ballot moves the generation on): rendered once, options and
        # candidates' statements and photos included, and kept.
        return _paper(request, ballot, None, form_html=kept_html(
            request, ("ballot-paper", ballot.pk),
            lambda: render_to_string("voting/includes/paper.html", {"form": BallotPaperForm(ballot), "ballot": ballot}),
        ))
    post = request.POST
    if "change" in post and "confirmed" not in post:
        form = BallotPaperForm(ballot)  # unbound: shown filled in, without error messages
        form.initial = _kept(form, post)
        return _paper(request, ballot, form)
    form = BallotPaperForm(ballot, post)
    if not form.is_valid():
        return _paper(request, ballot, form, status=400)
    if "confirmed" not in post:
        return _check_page(request, ballot, form)
    try:
        code = vote_cast(ballot=ballot, user=request.user, choices=form.choices_value())
    except AlreadyVoted:
        return _already_voted(request, ballot)
    except PermissionDenied:
        return _refused(request, ballot, "You cannot vote in this ballot", NOT_ON_ROLL, status=403)
    except VotingRefused as refused:
        return _refused(request, ballot, "Your vote was not taken", str(refused))
    except ValidationError as invalid:
        form.add_error(None, invalid)
        return _paper(request, ballot, form, status=400)
    return private(TemplateResponse(request, "voting/receipt.html", {"ballot": ballot, "code": code}))


@login_required
@require_GET
def mine(request):
    """The ballots the signed-in person is on the roll for: open ones (voted or not), then recent results."""
    now = timezone.now()
    entries = RollEntry.objects.filter(voter=request.user).select_related("ballot")
    open_entries = list(entries.filter(ballot__status=Ballot.Status.OPEN).order_by("ballot__closes_at", "ballot__pk"))
    closed_entries = list(
        entries.filter(ballot__status=Ballot.Status.CLOSED).order_by("-ballot__closed_at", "-ballot__pk")[:RECENT_CLOSED]
    )
    for entry in open_entries:
        ballot = entry.ballot
        entry.not_started = now < ballot.opens_at
        entry.ended = now >= ballot.closes_at
    context = {"open_entries": open_entries, "closed_entries": closed_entries, "recent_closed": RECENT_CLOSED}
    return private(TemplateResponse(request, "voting/mine.html", context))
