"""One source for the lived-experience seat figures: the group page, the evidence report (its seats table
and the involvement statement's {seats:CODE}), the seat records and the CSV and JSON exports say the same
thing for a body, at two dates between which its membership changed; observers and the secretary, who
do not vote, are counted nowhere."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from governance.evidence import Period, evidence_report, seat_key
from governance.evidence_exports import report_csv, report_json
from governance.models import Membership
from portal.home.models import SiteSettings
from tests.factories import UserFactory

from .factories import make_body

pytestmark = pytest.mark.django_db
FIGURE = re.compile(r"(\d+) of (\d+)[^()\n<]*\((\d+)%\)")


def figures_in(text: str) -> set[tuple[int, int, int]]:
    return {tuple(int(n) for n in found) for found in FIGURE.findall(text)}


def everywhere(client, body, day) -> dict[str, set]:
    """The seat figure for `body` on `day` as each page and export shows it, with the world frozen at `day`."""
    period = Period(day - timedelta(days=20), day, body)
    query = f"from={period.start}&to={day}&body={body.slug}"
    with freeze_time(f"{day} 12:00"):
        group = client.get(f"/governance/bodies/{body.slug}/").content.decode()
        report_page = client.get(f"/governance/evidence/?{query}").content.decode()
        records = client.get(f"/governance/evidence/records/seats/?{query}").content.decode()
        report = evidence_report(period=period, public=True)
    key = seat_key(body, day)
    [csv_line] = [line for line in report_csv(report).decode().splitlines() if key in line]
    sections = json.loads(report_json(report))["sections"]
    [json_row] = [row for section in sections for row in section["figures"] if row["key"] == key]
    seats_table = report_page.split('id="seats-table"')[1].split("</table>")[0]
    last_row = seats_table.split("<tr")[-1]
    return {
        "group page": figures_in(group.split('id="seat-share"')[1].split("</p>")[0]),
        "report's seats table": figures_in(last_row),
        "report's statement": figures_in(report_page.split('id="involvement-statement"')[1].split("</div>")[0]),
        "seat records": figures_in(records.split("<tbody")[1].split("</tbody>")[0].split("<tr")[-1]),
        "CSV": figures_in(csv_line),
        "JSON": figures_in(json_row["shown_as"]),
    }


def test_every_page_and_export_shows_the_same_seat_figure_at_two_dates(client, home_page):
    today = timezone.localdate()
    before, after = today - timedelta(days=40), today - timedelta(days=5)
    body = make_body("SUC", members=11, lived=6, name="Service User Council", slug="suc")
    Membership.objects.create(body=body, person=UserFactory(), role=Membership.Role.OBSERVER,
                              starts_on=today - timedelta(days=365))
    Membership.objects.create(body=body, person=UserFactory(), role=Membership.Role.SECRETARY,
                              starts_on=today - timedelta(days=365))
    # Between the dates: a lived-experience member's term ends and two general members join.
    leaving = body.memberships.filter(seat=Membership.Seat.LIVED_EXPERIENCE, role=Membership.Role.MEMBER).first()
    Membership.objects.filter(pk=leaving.pk).update(ends_on=before + timedelta(days=5))
    for _ in range(2):
        Membership.objects.create(body=body, person=UserFactory(), role=Membership.Role.MEMBER,
                                  seat=Membership.Seat.GENERAL, starts_on=before + timedelta(days=10))
    settings = SiteSettings.for_site(home_page.get_site())
    settings.involvement_statement = "<p>On our council, {seats:suc} are lived-experience seats.</p>"
    settings.save()

    for day, expected in ((before, (6, 11, 55)), (after, (5, 12, 42))):
        shown = everywhere(client, body, day)
        assert shown == {place: {expected} for place in shown}, (day, shown)


def test_a_share_with_few_other_seats_is_hidden_on_the_group_page_as_in_the_report(client, home_page):
    """6 of 9 would tell the public that 3 named members hold general seats: the report hides it, and so
    does the group page now (it used to show it)."""
    body = make_body("TB", members=9, lived=6, name="Board", slug="tb")
    group = client.get("/governance/bodies/tb/").content.decode().split('id="seat-share"')[1].split("</p>")[0]
    assert "hidden to protect small numbers" in group and not figures_in(group)
    today = timezone.localdate()
    report = evidence_report(period=Period(today - timedelta(days=20), today, body), public=True)
    assert [f.suppressed for f in report.figures if f.key == seat_key(body, today)] == [True]
