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
from django.template.response import TemplateResponse
from django.utils import dateformat, timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods

from .forms import BallotPaperForm, ReceiptCheckForm
from .models import Ballot, BallotPaper, BallotReceipt, RollEntry
from .services import AlreadyVoted, VotingRefused, receipt_for, receipt_hash, vote_cast

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


def _round_rows(ballot: Ballot) -> tuple[list[str], list[dict]]:
    """Rounds (IRV) or stages (STV) as table rows: one column per round, one row per option."""
    tally, labels = ballot.tally, _labels(ballot)
    steps = tally.get("rounds") or tally.get("stages") or []
    key = "counts" if "rounds" in tally else "votes"
    rows = [
        {"label": labels.get(option, option), "cells": [step.get(key, {}).get(option, "–") for step in steps]}
        for option in tally.get("options", [])
    ]
    return [str(step.get("round") or step.get("stage")) for step in steps], rows


def _number(value) -> str:
    """A count as people read it: 7 -> "7", "3.00000" -> "3", "2.50000" -> "2.5"."""
    text = format(Decimal(str(value)).normalize(), "f")
    return text


def _votes(value) -> str:
    text = _number(value)
    return f"{text} vote" if text == "1" else f"{text} votes"


TIE_WORDS = {
    "history": " There was a tie, settled by who had fewer votes at an earlier {step}.",
    "lot": " There was a tie, settled by drawing lots in the published way (using the ballot's seed).",
}
SURPLUS_TIE_WORDS = {
    "history": " There was a tie, settled by who had more votes at an earlier {step}.",
    "lot": " There was a tie, settled by drawing lots in the published way (using the ballot's seed).",
}
ELECTED_HOW = {
    "quota": "{name} reached the quota and is elected.",
    "last_vacancies": "{name} is elected: the candidates left were as many as the places left.",
    "last_vacancy_majority": "{name} is elected: they had more votes than all the other candidates left put together.",
}
BAR_COLOURS = {"elected": "#00703c", "out": "#505a5f", "": "#3d2c6e"}


def _ranked_story(ballot: Ballot, labels: dict[str, str]) -> list[dict]:
    """Each round (IRV) or stage (STV) in plain words, with the geometry of its bar chart.

    The words are for everyone; the chart is drawn in SVG hidden from screen readers (the table after it
    has the same numbers). Bar widths are in % of the column, so the chart fits any screen width.
    """
    tally = ballot.tally
    stv = tally.get("method") == "stv"
    word = "stage" if stv else "round"
    steps = tally.get("stages" if stv else "rounds") or []
    key = "votes" if stv else "counts"
    quota = Decimal(tally["quota"]) if stv and tally.get("quota") else None
    # The longest bar fills the width; for STV the quota line sits at 80% at most, so it is never lost at the edge.
    top = max([Decimal(str(v)) for step in steps for v in step.get(key, {}).values()]
              + [(quota or 0) * Decimal("1.25"), Decimal(1)])
    name = lambda option: labels.get(str(option), str(option))  # noqa: E731
    story, elected_before, out_before = [], set(), set()
    for index, step in enumerate(steps):
        last = index == len(steps) - 1
        values = step.get(key, {})
        sentences = []
        if stv:
            elected_now = list(step.get("elected") or [])
            out_now = list(step.get("excluded") or [])
            shown = [o for o in tally.get("options", []) if o not in out_before]
            action, candidate = step.get("action"), step.get("candidate")
            if action == "first":
                sentences.append("First choices are counted.")
            elif action == "surplus":
                sentences.append(
                    f"{name(candidate)} had {_votes(step.get('surplus') or 0)} more than the quota. "
                    "Those extra votes are passed on to the next choices on their papers, at a lower value."
                )
                sentences.append(SURPLUS_TIE_WORDS.get(step.get("tie_break"), "").format(step=word).strip())
            elif action == "exclusion":
                sentences.append(
                    f"{name(candidate)} had the fewest votes and is excluded. "
                    "Their votes are passed on to the next choices on their papers."
                )
                sentences.append(TIE_WORDS.get(step.get("tie_break"), "").format(step=word).strip())
            how = step.get("elected_how") or {}
            for option in elected_now:
                sentences.append(ELECTED_HOW.get(how.get(option), "{name} is elected.").format(name=name(option)))
        else:
            out_now = [step["eliminated"]] if step.get("eliminated") else []
            elected_now = [tally["winner"]] if last and tally.get("winner") else []
            shown = [o for o in tally.get("options", []) if o in values]
            for option in out_now:
                sentences.append(
                    f"{name(option)} had the fewest votes and is eliminated. "
                    "Their votes go to the next choice on each paper."
                )
                sentences.append(TIE_WORDS.get(step.get("tie_break"), "").format(step=word).strip())
            for option in elected_now:
                if len(values) == 1:
                    sentences.append(f"{name(option)} is the only candidate left, so {name(option)} wins.")
                else:
                    sentences.append(f"{name(option)} has more than half the votes, so {name(option)} wins.")
            if last and not elected_now:
                sentences.append("Nobody won: there were no votes to count.")
            exhausted = step.get("exhausted") or 0
            if exhausted:
                papers = "1 paper has" if exhausted == 1 else f"{exhausted} papers have"
                sentences.append(f"{papers} no choices left, so they no longer count.")
        bars = []
        for option in shown:
            value = Decimal(str(values.get(option, 0)))
            if option in elected_now or option in elected_before:
                state, note = "elected", " (elected)"
            elif option in out_now:
                state, note = "out", " (excluded)" if stv else " (eliminated)"
            else:
                state, note = "", ""
            bars.append({
                "text": f"{name(option)}: {_votes(value)}{note}",
                "width": f"{max(value * 100 / top, Decimal('0.5')):.2f}%" if value > 0 else "",
                "colour": BAR_COLOURS[state],
            })
        elected_before.update(elected_now)
        out_before.update(out_now)
        story.append({
            "heading": f"{word.capitalize()} {step.get('stage') or step.get('round')}",
            "sentences": [s for s in sentences if s],
            "bars": bars,
            "quota_x": f"{quota * 100 / top:.2f}%" if quota else "",
        })
    return story


def results(request, pk: int):
    """The count of a closed ballot: turnout, quorum, the result, and every round for ranked ballots."""
    ballot, not_yet = _closed_or_not_yet(request, pk)
    if not_yet:
        return not_yet
    labels = _labels(ballot)
    tally = ballot.tally
    headings, rows = _round_rows(ballot)
    elected = tally.get("elected") or ([tally["winner"]] if tally.get("winner") else tally.get("winners", []))
    context = {
        "ballot": ballot,
        "tally": tally,
        "turnout": tally["turnout"],
        "elected": [labels.get(str(o), str(o)) for o in elected],
        "counts": [(labels.get(k, k), v) for k, v in (tally.get("counts") or {}).items()] if not headings else [],
        "round_headings": headings,
        "round_rows": rows,
        "story": _ranked_story(ballot, labels) if headings else [],
        "quota": _votes(tally["quota"]) if tally.get("quota") else "",
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
    return _private(response) if request.method == "POST" else response


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


def _private(response):
    patch_cache_control(response, private=True, no_store=True)
    return response


def _refused(request, ballot, heading: str, message: str, status: int = 200, receipts_link: bool = False):
    context = {"ballot": ballot, "heading": heading, "message": message, "receipts_link": receipts_link}
    return _private(TemplateResponse(request, "voting/refused.html", context, status=status))


def _already_voted(request, ballot):
    return _refused(request, ballot, "You have already voted", AlreadyVoted().args[0], receipts_link=True)


def _paper(request, ballot, form, status: int = 200):
    context = {"ballot": ballot, "form": form}
    return _private(TemplateResponse(request, "voting/vote.html", context, status=status))


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
    return _private(TemplateResponse(request, "voting/check.html", context))


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
    ballot = get_object_or_404(Ballot.objects.exclude(status=Ballot.Status.DRAFT), pk=pk)
    entry = RollEntry.objects.filter(ballot=ballot, voter=request.user).first()
    if entry is None:
        return _refused(request, ballot, "You cannot vote in this ballot", NOT_ON_ROLL, status=403)
    if entry.has_voted:
        return _already_voted(request, ballot)
    now = timezone.now()
    if ballot.status == Ballot.Status.OPEN and now < ballot.opens_at:
        when = dateformat.format(timezone.localtime(ballot.opens_at), r"l j F Y \a\t g:i A")
        return _refused(request, ballot, "Voting has not started yet", f"Voting opens on {when}.")
    if ballot.status != Ballot.Status.OPEN or now >= ballot.closes_at:
        return _refused(request, ballot, "Voting has closed", VOTING_CLOSED)
    if request.method == "GET":
        return _paper(request, ballot, BallotPaperForm(ballot))
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
    return _private(TemplateResponse(request, "voting/receipt.html", {"ballot": ballot, "code": code}))


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
    return _private(TemplateResponse(request, "voting/mine.html", context))
