"""Public, re-checkable results: the count, the receipts counted, and every paper (anonymous).

Before a ballot closes, every route answers the same "not yet" page to everyone, superusers included,
so nothing about the count can leak early.
"""

import hashlib
import json

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse

from .models import Ballot, BallotPaper
from .services import receipt_hash


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
