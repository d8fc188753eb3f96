"""Access-control matrix (issue 7): every URL our apps define, front end and admin, as anonymous, as each
of the nine roles and as a superuser, with the exact outcome each gets.

The URLs are found, not listed: `our_url_patterns()` walks the resolver (our urlconfs and views, and the
Wagtail admin URLs our own hooks register) and `our_page_routes()` lists the routes of our routable pages.
Each must have an entry in EXPECTED, so a new URL fails `test_every_url_has_an_entry` until someone
says who may reach it. One test per viewer then requests every cell and reports every mismatch together.

An outcome is a status code, or for a redirect where it goes:
    SIGN_IN      302 to /account/sign-in/ (the portal's LOGIN_URL)
    ADMIN_LOGIN  302 to /admin/login/ (Wagtail's own sign-in, for anonymous visitors to the admin)
    "→/path/"    302 to that path (its start)
"Someone else's" objects (the long job, the consent record) belong to a person who is none of the
viewers, so those pages answer 404 to everyone but the (absent) owner.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from portal.audit.models import AuditEvent
from portal.home.setup import ensure_home_page
from tests.factories import UserFactory

from .access_world import VIEWERS, World, build_world, our_page_routes, our_url_patterns

pytestmark = pytest.mark.django_db

SIGN_IN = "→sign-in"
ADMIN_LOGIN = "→admin-login"
VIEWER_NAMES = list(VIEWERS)


def row(default, **cells):
    """A row of the matrix: `default` for every viewer, except those named (e.g. secretary=200)."""
    return {viewer: cells.get(viewer, default) for viewer in VIEWER_NAMES}


def signed_in(outcome, **cells):
    """Anonymous visitors are sent to sign in; signed-in viewers get `outcome` unless named."""
    return row(outcome, anonymous=SIGN_IN, **cells)


def admin(outcome, **cells):
    """A Wagtail admin page: anonymous visitors and the four roles without admin access (service users,
    peer workers, moderators, finance) are sent to the admin sign-in. Staff whose role lacks the permission are sent
    to the admin dashboard ("→/admin/", with Wagtail's "you do not have permission" message)."""
    return row(outcome, anonymous=ADMIN_LOGIN, service_user=ADMIN_LOGIN, peer_worker=ADMIN_LOGIN,
               moderator=ADMIN_LOGIN, finance=ADMIN_LOGIN, **cells)


def K(**names):
    """URL kwargs taken from the world's values: K(pk="meeting") -> {"pk": <the meeting's pk>}."""
    return lambda values: {kwarg: values[key] for kwarg, key in names.items()}


# The world's values that URL arguments are filled from (see K).
def _kwargs(world):
    o = world.objects
    return {
        "reference": o["decision"].reference,
        "action": o["action"].pk,
        "meeting": o["meeting"].pk,
        "slug": o["body"].slug,
        "job": o["job"].pk,
        "own_job": o["own_job"].pk,
        "consent": o["consent"].pk,
        "open_ballot": o["open_ballot"].pk,
        "closed_ballot": o["closed_ballot"].pk,
        "draft_ballot": o["draft_ballot"].pk,
        "body": o["body"].pk,
        "membership": o["body"].memberships.first().pk,
        "agenda_item": o["agenda_item"].pk,
        "minutes": o["minutes"].pk,
        "event": AuditEvent.objects.order_by("pk").first().pk,
        "open_consultation": o["open_consultation"].pk,
        "paper_batch": o["paper_batch"].pk,
        "paper_vote": o["paper_vote"].number,
        "counting_ballot": o["counting_ballot"].pk,
        "mod_proposal": o["mod_proposal"].pk,
        "mod_comment": o["mod_comment"].pk,
        "mod_held_proposal": o["mod_held_proposal"].pk,
        "mod_held_comment": o["mod_held_comment"].pk,
        "agenda_proposal": o["agenda_proposal"].pk,
        "opportunity": o["opportunity"].pk,
        "own_claim": o["own_claim"].pk,
        "other_claim": o["other_claim"].pk,
        "own_receipt": o["own_receipt"].pk,
        "other_receipt": o["other_receipt"].pk,
        "own_participation": o["own_participation"].pk,
        "batch": o["batch"].pk,
        "statement_year": o["statement_year"],
    }


# EXPECTED[name] = list of (label, kwargs builder, row). Several cases per URL where the object's state
# matters (an open and a closed ballot); the label names the case in failure messages.
EXPECTED: dict = {}


def case(name, expected, kwargs=None, label=""):
    EXPECTED.setdefault(name, []).append((label, kwargs or (lambda k: {}), expected))


# ---- front end ---------------------------------------------------------------------------------------
# The sign-in and sign-up pages send people already signed in to their profile; with PORTAL_STAFF_2FA off
# (test settings) the two-step pages have nothing to do for anyone signed in.
# Governance: the public record (register, decision, body, calendar, evidence) is for anyone; recording
# tools for secretaries (the action's owner may also move their action on); the history for trustees
# and secretaries. Jobs and consents are the starter's / the person's own: anyone else gets 404.
# Voting: only people on the roll reach the paper (here the trustee, a member of the body; on the closed
# ballot the page says voting has closed); results and receipts answer "not yet" to everyone until close,
# and the papers do not exist (404) until then. POST-only URLs answer GET with 405.
case("accounts:login", row("→/account/profile/", anonymous=200))
case("accounts:logout", row(405))
case("accounts:my-data", signed_in(200))
case("accounts:password-reset", row(200))
case("accounts:password-reset-complete", row(200))
case("accounts:password-reset-confirm", row(200), lambda k: {"uidb64": "MQ", "token": "not-a-token"})
case("accounts:password-reset-sent", row(200))
case("accounts:profile", signed_in(200))
case("hear_back:list", signed_in(200))  # a person's own "what came of it" messages and email choice
case("accounts:sign-up", row("→/account/profile/", anonymous=200))
case("accounts:two-factor-backup-codes", signed_in("→/account/profile/"))
case("accounts:two-factor-check", signed_in("→/account/profile/"))
case("accounts:two-factor-setup", signed_in("→/account/profile/"))
case("audit:explorer", signed_in(200, service_user=403, peer_worker=403, editor=403, moderator=403, finance=403))
case("audit:history", signed_in(200, service_user=403, peer_worker=403, editor=403, moderator=403, finance=403))
case("audit:transparency", row(200))
case("audit:verify-start", signed_in(405))
# The contact form is for anyone; its thank-you page sends anyone who has not sent a message to the form.
case("contact:form", row(200))
case("contact:sent", row("→/contact/"))
case("governance:minutes-circulated", signed_in("→/minutes/board-minutes/"), K(pk="minutes"), "approved: sent to the published page")
case("consultations_admin_analysis", admin("→/admin/", analyst=200, superuser=200))
case("governance_admin_minutes", admin("→/admin/", editor=200, secretary=200, superuser=200))
case("governance_minutes_sign_off", admin("→/admin/", editor=200, secretary=200, superuser=200), K(pk="minutes"))
case("audit:verify-result", signed_in(404, service_user=403, peer_worker=403, editor=403, moderator=403, finance=403), K(pk="job"), "someone else's")
case("audit:checkpoint-file", row(404), K(pk="event"), "an event that is not a checkpoint")
case("governance:action-new", signed_in(403, secretary=200, superuser=200), K(reference="reference"))
case("governance:action-status", signed_in(403, peer_worker=200, secretary=200, superuser=200), K(pk="action"))
case("governance:body-detail", row(200), K(slug="slug"))
case("governance:body-meetings-ics", row(200), K(slug="slug"))
case("governance:decision-detail", row(200), K(reference="reference"))
case("governance:decision-history", signed_in(403, secretary=200, trustee=200, superuser=200), K(reference="reference"))
case("governance:decision-history-csv", signed_in(403, secretary=200, trustee=200, superuser=200), K(reference="reference"))
case("governance:decision-history-pdf", signed_in(403, secretary=200, trustee=200, superuser=200), K(reference="reference"))
case("governance:decision-new", signed_in(403, secretary=200, superuser=200), K(pk="meeting"))
case("governance:decision-register", row(200))
case("governance:evidence", row(200))
case("governance:evidence-export", row(405))
case("governance:evidence-records", row(200), lambda k: {"kind": "meetings"})
case("governance:index", row(200))
case("governance:meeting-detail", signed_in(403, secretary=200, superuser=200), K(pk="meeting"))
case("governance:meeting-list", signed_in(403, secretary=200, superuser=200))
case("governance:outcome-new", signed_in(403, secretary=200, superuser=200), K(reference="reference"))
case("home:accessibility", row(200))
case("home:privacy-notice", row(200))
case("jobs:download", signed_in(404), K(pk="job"), "someone else's")
case("jobs:download", signed_in(404), K(pk="own_job"), "the service user's, not ready")
case("jobs:list", signed_in(200))
case("jobs:progress", signed_in(404), K(pk="job"), "someone else's")
case("jobs:progress", signed_in(404, service_user=200), K(pk="own_job"), "the service user's")
case("jobs:status", signed_in(404), K(pk="job"), "someone else's")
case("jobs:status", signed_in(404, service_user=200), K(pk="own_job"), "the service user's")
case("privacy:consent-withdraw", signed_in(405), K(pk="consent"), "someone else's")
case("privacy:consents", signed_in(200))
case("privacy:erase", signed_in(200))
case("privacy:erased", row(200))
case("privacy:lived-experience", signed_in(200))
case("privacy:my-data", signed_in(200))
case("privacy:my-data-pdf", signed_in(200))
case("privacy:overview", signed_in(200))
case("voting:mine", signed_in(200))
# Paper forms are typed in by peer workers and secretaries (the batch has no scan: 404 for them); paper votes
# by returning officers, on a secret ballot that is open.
case("paper-responses:home", signed_in(403, peer_worker=200, secretary=200, superuser=200))
case("paper-responses:batch-new", signed_in(403, peer_worker=200, secretary=200, superuser=200), K(page_id="open_consultation"))
case("paper-responses:batch", signed_in(403, peer_worker=200, secretary=200, superuser=200), K(pk="paper_batch"))
case("paper-responses:batch-scan", signed_in(403, peer_worker=404, secretary=404, superuser=404), K(pk="paper_batch"), "no scan")
case("voting:paper-votes", signed_in(403, returning_officer=200, superuser=200), K(pk="open_ballot"), "open")
case("voting:paper-vote-new", signed_in(403, returning_officer=200, superuser=200), K(pk="open_ballot"), "open")
case("voting:paper-votes", signed_in(403, returning_officer=200, superuser=200), K(pk="counting_ballot"), "counting")
case("voting:paper-vote-new", signed_in(403, returning_officer=200, superuser=200), K(pk="counting_ballot"), "counting")
case("voting:paper-vote-check", signed_in(403, returning_officer=200, superuser=200), K(pk="counting_ballot", number="paper_vote"), "counting")
case("voting:papers", row(404), K(pk="open_ballot"), "open")
case("voting:papers", row(200), K(pk="closed_ballot"), "closed")
case("voting:receipts", row(200), K(pk="open_ballot"), "open")
case("voting:receipts", row(200), K(pk="closed_ballot"), "closed")
case("voting:results", row(200), K(pk="open_ballot"), "open")
case("voting:results", row(200), K(pk="closed_ballot"), "closed")
case("voting:vote", signed_in(403, trustee=200), K(pk="open_ballot"), "open")
case("voting:vote", signed_in(403, trustee=200), K(pk="closed_ballot"), "closed")

# Moderation: the queue and its decision pages for moderators (and superusers) only; comments by service
# users (superusers pass every role check) on public proposals; "report this" for anyone signed in, on
# public items only; a held or hidden item is changed and sent again by its author (the service user
# viewer here) and is 404 to everyone else.
case("proposals:moderation-queue", signed_in(403, moderator=200, superuser=200))
case("proposals:moderate-proposal", signed_in(403, moderator=200, superuser=200), K(pk="mod_held_proposal"), "held")
case("proposals:moderate-comment", signed_in(403, moderator=200, superuser=200), K(pk="mod_held_comment"), "hidden")
case("proposals:comment-new", signed_in(403, service_user=200, superuser=200), K(pk="mod_proposal"), "open")
case("proposals:comment-new", signed_in(404), K(pk="mod_held_proposal"), "held")
case("proposals:proposal-report", signed_in(200), K(pk="mod_proposal"), "open")
case("proposals:proposal-report", signed_in(404), K(pk="mod_held_proposal"), "held")
case("proposals:comment-report", signed_in(200), K(pk="mod_comment"), "published")
case("proposals:comment-report", signed_in(404), K(pk="mod_held_comment"), "hidden")
case("proposals:proposal-resubmit", signed_in(404, service_user=200), K(pk="mod_held_proposal"), "held, the service user's")
case("proposals:proposal-resubmit", signed_in(404), K(pk="mod_proposal"), "open, someone else's")
case("proposals:comment-resubmit", signed_in(404, service_user=200), K(pk="mod_held_comment"), "hidden, the service user's")
# Proposals: the list, its CSV and each public proposal are for anyone; a held one is 404 to all but its author
# (the service user viewer), moderators and superusers. Service users raise them, peer workers raise them
# for someone; secretaries record the decision on one on the agenda. Supporting and the secretary's
# buttons are POST only.
case("proposals:list", row(200))
case("proposals:list-csv", row(200))
case("proposals:new", signed_in(403, service_user=200, superuser=200))
case("proposals:new-assisted", signed_in(403, peer_worker=200, superuser=200))
case("proposals:detail", row(200), K(pk="mod_proposal"), "open")
case("proposals:detail", row(404, service_user=200, moderator=200, superuser=200), K(pk="mod_held_proposal"), "held")
case("proposals:detail", row(200), K(pk="agenda_proposal"), "on the agenda")
case("proposals:decide", signed_in(403, secretary=200, superuser=200), K(pk="agenda_proposal"), "on the agenda")
case("proposals:decide", signed_in(403), K(pk="mod_proposal"), "open")
case("proposals:support", row(405), K(pk="mod_proposal"))
case("proposals:support-withdraw", row(405), K(pk="mod_proposal"))
case("proposals:take-forward", row(405), K(pk="mod_proposal"))
case("proposals:place", row(405), K(pk="agenda_proposal"))

# Involvement (issue 17): opportunities and your own claims and payments for anyone signed in (saying you
# are interested is for service users, on the page); a claim's page and its receipts are the claimant's
# (the service user viewer's claim; the stranger's is 404 to every viewer), receipts also finance's; the
# staff pages for secretaries and finance; the finance pages for finance only. Superusers pass every role
# check but are not the claimant. POST-only URLs answer GET with 405.
STAFF_ONLY = dict(secretary=200, finance=200, superuser=200)
FINANCE_ONLY = dict(finance=200, superuser=200)
case("involvement:opportunities", signed_in(200))
case("involvement:opportunity", signed_in(200), K(pk="opportunity"), "open")
case("involvement:interest-withdraw", row(405), K(pk="opportunity"))
case("involvement:mine", signed_in(200))
case("involvement:statement", signed_in(200), K(year="statement_year"), "this tax year")
case("involvement:claim-new", signed_in(404, service_user=200), K(pk="own_participation"), "the service user's")
case("involvement:claim", signed_in(404, service_user=200), K(pk="own_claim"), "the service user's")
case("involvement:claim", signed_in(404), K(pk="other_claim"), "someone else's")
case("involvement:claim-withdraw", row(405), K(pk="own_claim"))
case("involvement:receipt", signed_in(404, service_user=200, **FINANCE_ONLY), K(pk="own_receipt"), "the service user's")
case("involvement:receipt", signed_in(404, **FINANCE_ONLY), K(pk="other_receipt"), "someone else's")
case("involvement:staff", signed_in(403, **STAFF_ONLY))
case("involvement:staff-new", signed_in(403, **STAFF_ONLY))
case("involvement:staff-event-work", signed_in(403, **STAFF_ONLY))
case("involvement:staff-opportunity", signed_in(403, **STAFF_ONLY), K(pk="opportunity"))
case("involvement:staff-opportunity-change", signed_in(403, **STAFF_ONLY), K(pk="opportunity"))
case("involvement:finance", signed_in(403, **FINANCE_ONLY))
case("involvement:finance-claim", signed_in(403, **FINANCE_ONLY), K(pk="other_claim"))
case("involvement:finance-batches", signed_in(403, **FINANCE_ONLY))
case("involvement:finance-batch", signed_in(403, **FINANCE_ONLY), K(pk="batch"))
case("involvement:finance-batch-csv", signed_in(403, **FINANCE_ONLY), K(pk="batch"))
case("involvement:finance-rates", signed_in(403, **FINANCE_ONLY))

# ---- Wagtail admin: our viewsets and our register_admin_urls views ---------------------------------------
# Nobody but a superuser may delete governance records or ballots; the audit ledger is read-only for
# holders of audit.view_auditevent (analysts, secretaries, trustees, returning officers).
case("audit_checkpoint_publications", admin("→/admin/", secretary=200, superuser=200))
case("audit_ledger:index", admin(200, editor="→/admin/"))
case("audit_ledger:index_results", admin(200, editor="→/admin/"))
case("audit_ledger:inspect", admin(200, editor="→/admin/"), K(pk="event"))
case("governance_admin_agenda_items:add", admin("→/admin/", secretary=200, superuser=200))
case("governance_admin_agenda_items:copy", admin("→/admin/", secretary=200, superuser=200), K(pk="agenda_item"))
case("governance_admin_agenda_items:delete", admin("→/admin/", superuser=200), K(pk="agenda_item"))
case("governance_admin_agenda_items:edit", admin("→/admin/", secretary=200, superuser=200), K(pk="agenda_item"))
case("governance_admin_agenda_items:history", admin("→/admin/", secretary=200, superuser=200), K(pk="agenda_item"))
case("governance_admin_agenda_items:history_results", admin("→/admin/", secretary=200, superuser=200), K(pk="agenda_item"))
case("governance_admin_agenda_items:index", row(ADMIN_LOGIN, editor="→/admin/", analyst="→/admin/", secretary=200, trustee=200, returning_officer="→/admin/", superuser=200))
case("governance_admin_agenda_items:index_results", row(ADMIN_LOGIN, editor="→/admin/", analyst="→/admin/", secretary=200, trustee=200, returning_officer="→/admin/", superuser=200))
case("governance_admin_agenda_items:usage", admin("→/admin/", secretary=200, superuser=200), K(pk="agenda_item"))
case("governance_admin_bodies:add", admin("→/admin/", secretary=200, superuser=200))
case("governance_admin_bodies:copy", admin("→/admin/", secretary=200, superuser=200), K(pk="body"))
case("governance_admin_bodies:delete", admin("→/admin/", superuser=200), K(pk="body"))
case("governance_admin_bodies:edit", admin("→/admin/", secretary=200, superuser=200), K(pk="body"))
case("governance_admin_bodies:history", admin("→/admin/", secretary=200, superuser=200), K(pk="body"))
case("governance_admin_bodies:history_results", admin("→/admin/", secretary=200, superuser=200), K(pk="body"))
case("governance_admin_bodies:index", admin(200, editor="→/admin/", analyst="→/admin/"))
case("governance_admin_bodies:index_results", admin(200, editor="→/admin/", analyst="→/admin/"))
case("governance_admin_bodies:usage", admin("→/admin/", secretary=200, superuser=200), K(pk="body"))
case("governance_admin_meetings:add", admin("→/admin/", secretary=200, superuser=200))
case("governance_admin_meetings:copy", admin("→/admin/", secretary=200, superuser=200), K(pk="meeting"))
case("governance_admin_meetings:delete", admin("→/admin/", superuser=200), K(pk="meeting"))
case("governance_admin_meetings:edit", admin("→/admin/", secretary=200, superuser=200), K(pk="meeting"))
case("governance_admin_meetings:history", admin("→/admin/", secretary=200, superuser=200), K(pk="meeting"))
case("governance_admin_meetings:history_results", admin("→/admin/", secretary=200, superuser=200), K(pk="meeting"))
case("governance_admin_meetings:index", row(ADMIN_LOGIN, editor="→/admin/", analyst="→/admin/", secretary=200, trustee=200, returning_officer="→/admin/", superuser=200))
case("governance_admin_meetings:index_results", row(ADMIN_LOGIN, editor="→/admin/", analyst="→/admin/", secretary=200, trustee=200, returning_officer="→/admin/", superuser=200))
case("governance_admin_meetings:usage", admin("→/admin/", secretary=200, superuser=200), K(pk="meeting"))
case("governance_admin_memberships:add", admin("→/admin/", secretary=200, superuser=200))
case("governance_admin_memberships:copy", admin("→/admin/", secretary=200, superuser=200), K(pk="membership"))
case("governance_admin_memberships:delete", admin("→/admin/", superuser=200), K(pk="membership"))
case("governance_admin_memberships:edit", admin("→/admin/", secretary=200, superuser=200), K(pk="membership"))
case("governance_admin_memberships:history", admin("→/admin/", secretary=200, superuser=200), K(pk="membership"))
case("governance_admin_memberships:history_results", admin("→/admin/", secretary=200, superuser=200), K(pk="membership"))
case("governance_admin_memberships:index", row(ADMIN_LOGIN, editor="→/admin/", analyst="→/admin/", secretary=200, trustee=200, returning_officer="→/admin/", superuser=200))
case("governance_admin_memberships:index_results", row(ADMIN_LOGIN, editor="→/admin/", analyst="→/admin/", secretary=200, trustee=200, returning_officer="→/admin/", superuser=200))
case("governance_admin_memberships:usage", admin("→/admin/", secretary=200, superuser=200), K(pk="membership"))
case("voting_admin_ballot_close", admin("→/admin/", returning_officer=200, superuser=200), K(pk="open_ballot"), "open")
case("voting_admin_ballot_electorate", admin("→/admin/", returning_officer=200, superuser=200), K(pk="draft_ballot"), "draft")
case("voting_admin_ballot_open", admin("→/admin/", returning_officer=200, superuser=200), K(pk="draft_ballot"), "draft")
case("voting_admin_ballots:add", admin("→/admin/", returning_officer=200, superuser=200))
case("voting_admin_ballots:delete", admin("→/admin/", superuser=200), K(pk="draft_ballot"))
case("voting_admin_ballots:edit", admin("→/admin/", returning_officer=200, superuser=200), K(pk="draft_ballot"))
case("voting_admin_ballots:history", admin("→/admin/", returning_officer=200, superuser=200), K(pk="draft_ballot"))
case("voting_admin_ballots:history_results", admin("→/admin/", returning_officer=200, superuser=200), K(pk="draft_ballot"))
case("voting_admin_ballots:index", admin("→/admin/", returning_officer=200, superuser=200))
case("voting_admin_ballots:index_results", admin("→/admin/", returning_officer=200, superuser=200))
case("voting_admin_ballots:usage", admin("→/admin/", returning_officer=200, superuser=200), K(pk="draft_ballot"))

# ---- Routable pages: each route of our RoutablePageMixin pages, on an open and on a closed consultation ----
# (the default consultation: for everyone, anonymous answers allowed, results live). The question, check,
# done and withdraw routes use an anonymous draft's resume token; "→{check}" is that draft's check page
# (done answers a draft that was never sent by going back to check). tests/consultations/
# test_permission_table.py covers the strictest consultation (service users only) before, during and after.
PAGE_EXPECTED = {
    "ConsultationPage:": {
        "open": row(200),
        "closed": row(200),
    },
    "ConsultationPage:analysis": {
        "open": row(403, analyst=200, superuser=200),
        "closed": row(403, analyst=200, superuser=200),
    },
    "ConsultationPage:assisted": {
        "open": signed_in(403, peer_worker=200, superuser=200),
        "closed": signed_in(403),
    },
    "ConsultationPage:check": {
        "open": row(200),
        "closed": row(403),
    },
    "ConsultationPage:done": {
        "open": row("→{check}"),
        "closed": row("→{check}"),
    },
    "ConsultationPage:export-csv": {
        "open": row(403, analyst=200, superuser=200),
        "closed": row(403, analyst=200, superuser=200),
    },
    "ConsultationPage:export-json": {
        "open": row(403, analyst=200, superuser=200),
        "closed": row(403, analyst=200, superuser=200),
    },
    "ConsultationPage:index_route": {
        "open": row(200),
        "closed": row(200),
    },
    "ConsultationPage:question": {
        "open": row(200),
        "closed": row(403),
    },
    "ConsultationPage:results": {
        "open": row(200),
        "closed": row(200),
    },
    "ConsultationPage:start": {
        "open": row(200),
        "closed": row(403),
    },
    "ConsultationPage:themes": {
        "open": row(403, analyst=200, superuser=200),
        "closed": row(403, analyst=200, superuser=200),
    },
    "ConsultationPage:withdraw": {
        "open": signed_in(403),
        "closed": signed_in(403),
    },
    # The done page's email box answers only for a sent response without a name; for the draft: 404.
    "ConsultationPage:hear-back": {
        "open": row(404),
        "closed": row(404),
    },
}

PAGE_EXPECTED.update({
    # Published minutes are public; confidential sections are hidden from non-members inside the page
    # (tests/governance/test_minutes_permissions.py). Approved minutes have a PDF, public to all.
    "MinutesPage:": {"published": row(200)},
    "MinutesPage:index_route": {"published": row(200)},
    "MinutesPage:main": {"published": row(200)},
    "MinutesPage:pdf": {"published": row(200)},
})

# Which page of the world each phase label means.
PAGES = {"open": "open_consultation", "closed": "closed_consultation", "published": "minutes"}


def _outcome(response) -> object:
    """The status, or for a redirect where it goes (sign-in pages by name)."""
    if response.status_code not in (301, 302):
        return response.status_code
    location = response["Location"]
    if location.startswith(reverse("accounts:login")):
        return SIGN_IN
    if location.startswith("/admin/login/"):
        return ADMIN_LOGIN
    return "→" + location


def test_every_url_has_an_entry():
    """A URL our apps define (or a route on our pages) with no row in the matrix fails here, by name."""
    routes = {route.name: route for route in our_url_patterns()}
    missing = sorted(f"{name}  ({routes[name].route})" for name in set(routes) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(routes))
    missing_pages = sorted(set(our_page_routes()) - set(PAGE_EXPECTED))
    stale_pages = sorted(set(PAGE_EXPECTED) - set(our_page_routes()))
    assert not (missing or missing_pages), (
        "These URLs have no entry in the access matrix (tests/portal/test_access_matrix.py); say who may "
        "reach them:\n  " + "\n  ".join(missing + missing_pages)
    )
    assert not (stale or stale_pages), f"Entries for URLs that no longer exist: {stale + stale_pages}"
    # The walk really finds both halves: the front end and our admin views.
    assert any(r.admin for r in routes.values()) and any(not r.admin for r in routes.values())


@pytest.fixture(scope="module")
def built_world(module_db) -> World:
    """The world, built once for this module's tests (tests/conftest.py's module_db) rather than once for
    each viewer: each viewer's test runs in its own savepoint, so what its requests change is undone
    before the next viewer's."""
    with module_db.unblock():
        ensure_home_page()
        return build_world(UserFactory, get_user_model())


@pytest.mark.parametrize("viewer", VIEWER_NAMES)
def test_access_matrix(client, home_page, built_world, viewer):
    """Every URL × every viewer (one test per viewer, so they can run side by side): the exact outcome.
    All of a viewer's mismatches are reported together."""
    world = built_world.reloaded()
    values = _kwargs(world)
    cells = []  # (what, url, row, format values)
    for name, cases in EXPECTED.items():
        for label, kwargs, expected in cases:
            cells.append((f"{name} [{label}]" if label else name, reverse(name, kwargs=kwargs(values)), expected, {}))
    for key, phases in PAGE_EXPECTED.items():
        route = key.split(":", 1)[1]
        for phase, expected in phases.items():
            page = world.objects[PAGES[phase]]
            draft = world.objects.get(f"draft_{page.pk}")
            token = draft.resume_token if draft else None
            args = {"question": [token, 1], "check": [token], "done": [token], "withdraw": [token],
                    "hear-back": [token]}.get(route, [])
            url = page.url + page.reverse_subpage(route, args=args) if route else page.url
            fill = {"check": page.url + page.reverse_subpage("check", args=[token])} if draft else {}
            cells.append((f"{key} [{phase}]", url, expected, fill))

    mismatches, count = [], 0
    user = world.users[viewer]
    client.logout()
    if user is not None:
        client.force_login(user)
    for what, url, expected, fill in cells:
        want = expected[viewer]
        want = want.format(**fill) if isinstance(want, str) else want
        try:
            got = _outcome(client.get(url))
        except Exception as error:  # noqa: BLE001 - a crash is a cell's outcome, reported with the rest
            got = f"exception {type(error).__name__}: {error}"
        count += 1
        if got != want:
            mismatches.append(f"{viewer:>17}  GET {url}  ({what}): expected {want}, got {got}")
    assert not mismatches, f"{len(mismatches)} of {count} cells differ:\n" + "\n".join(mismatches)
    assert count == len(cells) and set(world.users) == set(VIEWER_NAMES)
