"""Demo involvement payments for `manage.py seed_demo` (found by name, after proposals).

Everything goes through the real services, so the ledger, the outbox and the files hold what real use
would leave:
- a rate band, "Meeting or panel, up to 2 hours", paying £20.00 from about a year ago and £25.00 from
  two months ago; the Service User Council's meetings pay at it from now on;
- an open opportunity (an interview panel in two weeks) and a past one (training on chairing a
  meeting, ten days ago) where Sam (service.user@example.org) was confirmed and took part;
- Sam's claims: one for event work a month ago, paid in a batch that is marked paid; one for the
  training, a voucher with a bus ticket receipt, waiting to be checked;
- a claim finance has asked about (member02), and an approved claim in a batch not yet paid (member03).

Idempotent: the band by name, opportunities by title, event work by person, day and activity, claims by
their participation, batches by what is in them; only what is missing is made.
"""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from governance.models import Body
from portal.accounts.models import User

from . import services
from .models import Claim, Interest, MeetingRate, Opportunity, Participation, RateBand

BAND = "Meeting or panel, up to 2 hours"
OPEN_TITLE = "Interview panel for a new peer worker"
PAST_TITLE = "Training: chairing a meeting"
SAM, FINANCE, SECRETARY = "service.user@example.org", "finance@example.org", "secretary@example.org"
MEMBER = "member{:02d}@members.example.org"
# A one-page PDF saying what the ticket was for (a real receipt would be a photo or a scan).
TICKET = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R "
    b"/Resources << /Font << /F1 5 0 R >> >> >> endobj\n"
    b"4 0 obj << /Length 58 >> stream\nBT /F1 14 Tf 20 90 Td (Bus ticket, day return: 6.40) Tj ET\nendstream endobj\n"
    b"5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def _person(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def seed() -> None:
    """Make whatever part of the involvement demo is missing (see the module docstring)."""
    money_person, secretary, sam = _person(FINANCE), _person(SECRETARY), _person(SAM)
    if money_person is None or secretary is None or sam is None:
        return
    band = _band(money_person)
    council = Body.objects.filter(slug="service-user-council").first()
    if council is not None and not MeetingRate.objects.filter(body=council).exists():
        services.meeting_rate_set(user=money_person, body=council, band=band)
    _open_opportunity(secretary, band)
    training = _past_opportunity(secretary, band, sam)
    _sams_claims(secretary, money_person, band, sam, training)
    _queried_claim(secretary, money_person, band)
    _approved_batch(secretary, money_person, band)


def _band(money_person: User) -> RateBand:
    band = RateBand.objects.filter(name=BAND).first()
    if band is None:
        band = services.rate_band_save(user=money_person, name=BAND,
                                       description="A meeting, interview panel or working group of up to 2 hours.")
        today = timezone.localdate()
        for days_ago, pence in ((400, 2000), (60, 2500)):
            services.rate_add(user=money_person, band=band, pence=pence,
                              applies_from=today - datetime.timedelta(days=days_ago))
    return band


def _open_opportunity(secretary: User, band: RateBand) -> None:
    if Opportunity.objects.filter(title=OPEN_TITLE).exists():
        return
    starts = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(days=14)
    services.opportunity_publish(
        user=secretary, title=OPEN_TITLE, kind=Opportunity.Kind.INTERVIEW_PANEL, starts_at=starts,
        purpose="Help us choose our next peer worker. You will read the questions, meet three people and say "
                "who you think would be best. Your view counts as much as anyone's.",
        duration_minutes=120, place="Hope Centre, 12 Mill Street, Room 2 (step-free)", rate_band=band, places=2,
        support_offered="We pay for travel. A peer worker can meet you beforehand and sit with you.",
        what_to_bring="Nothing. We give you the questions on the day.",
    )


def _past_opportunity(secretary: User, band: RateBand, sam: User) -> Opportunity:
    training = Opportunity.objects.filter(title=PAST_TITLE).first()
    if training is None:
        starts = timezone.localtime().replace(hour=13, minute=0, second=0, microsecond=0) - datetime.timedelta(days=10)
        training = services.opportunity_publish(
            user=secretary, title=PAST_TITLE, kind=Opportunity.Kind.TRAINING, starts_at=starts,
            purpose="A friendly session on how to chair a group meeting, for members who may chair the council.",
            duration_minutes=120, place="Online, on Zoom", rate_band=band, places=8,
            support_offered="We can lend you a tablet and help you join.", what_to_bring="A pen and paper.",
        )
    interest = Interest.objects.filter(opportunity=training, person=sam).first()
    if interest is None:
        interest = services.interest_express(user=sam, opportunity=training, note="I would like to chair one day.")
    if interest.status == Interest.Status.INTERESTED:
        services.interest_confirm(user=secretary, interest=interest)
    if interest.status == Interest.Status.CONFIRMED:
        services.opportunity_attended(user=secretary, interest=interest)
    return training


def _event(secretary: User, person: User, days_ago: int, activity: str, band: RateBand) -> Participation:
    day = timezone.localdate() - datetime.timedelta(days=days_ago)
    found = Participation.objects.filter(person=person, day=day, activity=activity, kind=Participation.Kind.EVENT).first()
    return found or services.event_participation_record(
        user=secretary, person=person, day=day, minutes=120, activity=activity, rate_band=band)


def _claim(person: User, participation: Participation, choice: str, expenses=()) -> Claim:
    found = Claim.objects.filter(participation=participation).first()
    return found or services.claim_make(user=person, participation=participation, choice=choice, expenses=expenses)


def _sams_claims(secretary, money_person, band, sam, training) -> None:
    stall = _event(secretary, sam, 30, "Stall at the community open day", band)
    paid = _claim(sam, stall, Claim.Choice.PAID, [services.ExpenseInput("travel", 380, "Bus")])
    if paid.status == Claim.Status.SUBMITTED:
        services.claim_approve(user=money_person, claim=paid)
    if paid.status == Claim.Status.APPROVED and paid.batch_id is None:
        batch = services.batch_make(user=money_person, claims=[paid])
        services.batch_mark_paid(user=money_person, batch=batch)
    attended = Participation.objects.filter(interest__opportunity=training, person=sam).first()
    if attended is not None:
        ticket = SimpleUploadedFile("bus-ticket.pdf", TICKET, content_type="application/pdf")
        _claim(sam, attended, Claim.Choice.VOUCHER,
               [services.ExpenseInput("travel", 640, "Bus there and back (day return)", ticket)])


def _queried_claim(secretary, money_person, band) -> None:
    person = _person(MEMBER.format(2))
    if person is None:
        return
    claim = _claim(person, _event(secretary, person, 12, "Talk to new volunteers about the drop-in", band),
                   Claim.Choice.PAID, [services.ExpenseInput("travel", 1250, "Train")])
    if claim.status == Claim.Status.SUBMITTED and not claim.notes.exists():
        services.claim_query(user=money_person, claim=claim,
                             reason="Can you send a photo of your train ticket? We need it to pay the £12.50.")


def _approved_batch(secretary, money_person, band) -> None:
    person = _person(MEMBER.format(3))
    if person is None:
        return
    claim = _claim(person, _event(secretary, person, 9, "Interview panel for the café manager", band),
                   Claim.Choice.PAID, [services.ExpenseInput("support_worker", 1800, "Support worker for 2 hours")])
    if claim.status == Claim.Status.SUBMITTED:
        services.claim_approve(user=money_person, claim=claim)
    if claim.status == Claim.Status.APPROVED and claim.batch_id is None:
        services.batch_make(user=money_person, claims=[claim])
