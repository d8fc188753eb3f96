"""Public, re-checkable results: the count, the receipts counted, and every paper (anonymous).

Before a ballot closes, every route answers the same "not yet" page to everyone, superusers included,
so nothing about the count can leak early.
"""

import hashlib
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods

from .forms import BallotPaperForm
from .models import Ballot, BallotPaper, RollEntry
from .services import AlreadyVoted, VotingRefused, receipt_hash, vote_cast

NOT_ON_ROLL = "You are not on the list of people who can vote in this ballot. If you think you should be, contact the returning officer."


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
    }
    return TemplateResponse(request, "voting/results.html", context)


def receipts(request, pk: int):
    """Every receipt hash counted, and a box to check one's own receipt code against the list."""
    ballot, not_yet = _closed_or_not_yet(request, pk)
    if not_yet:
        return not_yet
    hashes = list(BallotPaper.objects.filter(ballot=ballot).order_by("receipt_hash").values_list("receipt_hash", flat=True))
    code = request.GET.get("code", "").strip()
    found = None
    if code:
        found = receipt_hash(code) in set(hashes)
    context = {"ballot": ballot, "hashes": hashes, "code": code, "found": found}
    return TemplateResponse(request, "voting/receipts.html", context)


def papers(request, pk: int):
    """Every paper of a closed ballot as JSON (random ids, choices and receipt hashes; no one's name)."""
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
            {"id": str(pid), "choices": choices, "receipt_hash": rhash}
            for pid, choices, rhash in BallotPaper.objects.filter(ballot=ballot).order_by("id").values_list(
                "id", "choices", "receipt_hash"
            )
        ],
    }
    body = json.dumps(document, indent=1)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="ballot-{ballot.pk}-papers.json"'
    response["X-Content-SHA256"] = hashlib.sha256(body.encode()).hexdigest()
    return response


def _private(response):
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def vote(request, pk: int):
    """The ballot paper. A second vote, from any tab or device, is told plainly that the person has voted."""
    ballot = get_object_or_404(Ballot.objects.exclude(status=Ballot.Status.DRAFT), pk=pk)
    entry = RollEntry.objects.filter(ballot=ballot, voter=request.user).first()
    if entry is None:
        return _private(TemplateResponse(request, "voting/refused.html", {"ballot": ballot, "message": NOT_ON_ROLL, "heading": "You cannot vote in this ballot"}, status=403))
    if entry.has_voted:
        return _private(TemplateResponse(request, "voting/refused.html", {"ballot": ballot, "message": AlreadyVoted().args[0], "heading": "You have already voted"}))
    form = BallotPaperForm(ballot, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            code = vote_cast(ballot=ballot, user=request.user, choices=form.choices_value())
        except VotingRefused as refused:
            return _private(TemplateResponse(request, "voting/refused.html", {"ballot": ballot, "message": str(refused), "heading": "Your vote was not taken"}))
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            return _private(TemplateResponse(request, "voting/receipt.html", {"ballot": ballot, "code": code}))
    status = 400 if form.errors else 200
    return _private(TemplateResponse(request, "voting/vote.html", {"ballot": ballot, "form": form}, status=status))
