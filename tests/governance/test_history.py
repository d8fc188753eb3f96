"""Trustees' decision history: every version with field diffs and who made them, the ledger events,
and the CSV export; for trustees and secretaries only."""

import csv
import io

import pytest
from django.utils import timezone

from governance import services
from governance.models import Decision
from portal.accounts import roles
from portal.home.setup import ensure_home_page

from .factories import make_body, make_decision, make_meeting, make_theme, recorder


@pytest.fixture(scope="module")
def built_decision(module_db) -> int:
    """The decision and its history, made once for the module's tests (tests/conftest.py's module_db)
    instead of once for each; each test reads its own copy (`decision`) and runs in its own savepoint."""
    with module_db.unblock():
        ensure_home_page()
        board = make_body()
        decision = make_decision(board, make_meeting(board), themes=[make_theme(name="Evening opening")],
                                 title="Open until 8pm")
        editor = recorder()
        decision.title = "Open until 9pm"
        decision._history_user = editor
        decision.save()
        action = services.action_create(decision=decision, title="Change the rota", owner=None,
                                        due_on=timezone.localdate(), user=editor)
        services.action_update_status(action=action, status="in_progress", text="Started.", user=editor)
    return decision.pk


@pytest.fixture
def decision(built_decision, home_page):
    decision = Decision.objects.get(pk=built_decision)
    decision._history_user = recorder()  # as the decision the builder saved last carried
    return decision


def history_url(decision, csv_file=False) -> str:
    return f"/governance/decisions/{decision.reference}/history" + (".csv" if csv_file else "/")


@pytest.mark.parametrize(
    "role, expected",
    [("anonymous", 302), ("service user", 403), ("editor", 403), ("trustee", 200), ("secretary", 200)],
)
@pytest.mark.parametrize("csv_file", [False, True])
def test_only_trustees_and_secretaries_see_the_history(client, decision, user_factory, role, expected, csv_file):
    group = {"service user": roles.SERVICE_USERS, "editor": roles.EDITORS, "trustee": roles.TRUSTEES,
             "secretary": roles.SECRETARIES}.get(role)
    if group:
        client.force_login(user_factory(roles=[group]))

    assert client.get(history_url(decision, csv_file)).status_code == expected


def test_history_shows_each_version_with_diffs_names_and_ledger_events(client, decision, trustee):
    client.force_login(trustee)

    response = client.get(history_url(decision))
    html = response.content.decode()
    rows = response.context["rows"]

    changed = next(r for r in rows if r.what == f"Decision {decision.reference}" and r.kind == "Changed")
    assert [(c.field, c.old, c.new) for c in changed.changes] == [("Title", "Open until 8pm", "Open until 9pm")]
    assert changed.who == "Builder Secretary"
    assert {r.kind for r in rows if r.what.startswith("Ledger event")} == {
        "Decision recorded", "Action created", "Action updated"
    }
    assert any(r.what == "Evidence: Theme “Evening opening”" and r.kind == "Created" for r in rows)
    assert any(r.what == "Action “Change the rota”" and r.kind == "Update" for r in rows)
    assert "Open until 9pm" in html and "Builder Secretary" in html
    assert response["Cache-Control"].count("private") == 1


def test_the_public_decision_page_names_no_editor(client, decision):
    html = client.get(f"/governance/decisions/{decision.reference}/").content.decode()

    assert "Builder Secretary" not in html and "Decision history" not in html


def test_history_csv_has_a_line_per_changed_field(client, decision, secretary):
    client.force_login(secretary)

    response = client.get(history_url(decision, csv_file=True))
    lines = list(csv.reader(io.StringIO(response.content.decode())))

    assert response["Content-Disposition"] == f'attachment; filename="{decision.reference}-history.csv"'
    assert lines[0] == ["when", "who", "what", "kind", "field", "before", "after"]
    assert any(line[4:] == ["Title", "Open until 8pm", "Open until 9pm"] for line in lines)


def test_csv_cells_that_look_like_formulas_are_made_plain_text(client, decision, secretary):
    decision.title = "=HYPERLINK(\"http://x\")"
    decision.save()
    client.force_login(secretary)

    text = client.get(history_url(decision, csv_file=True)).content.decode()

    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_history_pdf_carries_the_reference_and_each_change(client, decision, trustee, user_factory):
    import io

    from pypdf import PdfReader

    client.force_login(user_factory(roles=[roles.SERVICE_USERS]))
    assert client.get(f"/governance/decisions/{decision.reference}/history.pdf").status_code == 403
    client.force_login(trustee)
    reply = client.get(f"/governance/decisions/{decision.reference}/history.pdf")
    assert reply.status_code == 200 and reply["Content-Type"] == "application/pdf"
    assert "no-store" in reply["Cache-Control"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(reply.content)).pages)
    assert decision.reference in text and "Decisionrecorded" in text.replace(" ", "")
