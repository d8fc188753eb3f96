"""Demo ballots for `manage.py seed_demo`: a counted election, a board motion and a members' ballot.

- A CLOSED election, "Election of two service-user trustees": single transferable vote, 2 seats, five
  candidates with short statements, every service-user member on the roll, secret. 50 papers are cast
  so the count tells a story: one candidate is elected on first choices, the surplus is passed on, two
  candidates are excluded in turn, and the second seat is won by a narrow margin. Closed and counted
  by the returning officer, so the tally and its hash are stored (`manage.py recount <id>` agrees).
- An OPEN named motion for the Board of Trustees: paying peer volunteers' bus fares, the decision the
  board deferred (governance demo), settled by this ballot. Five trustees have voted; Tom (the demo
  trustee account) and Femi have not, so the walk-through can vote as Tom.
- An OPEN secret approval ballot for all service users, "What should the Service User Council look at
  next?". Some members have voted; Sam (the demo service-user account) has not.
- A DRAFT secret ballot, "Chair of the Service User Council", opening in a week: not opened, so the
  returning officer can check it and open it.

The election needs a real electorate, so the seed makes DEMO_MEMBERS service-user members (they sign in
with the shared demo member password, so a reviewer can try a ballot as one of them). Everything else goes through the returning
officer's services (`ballot_open`, `vote_cast`, `ballot_close`), so the roll, the papers, the receipts
and the ledger are what real use leaves.

Idempotent: members are found by email, ballots by title; a ballot is opened only while a draft, a
vote is cast only for someone on the roll who has not voted, and a ballot is closed only while open.
Times are relative to now, so the open ballots stay open for a while after seeding. No randomness.
"""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from governance.models import Body, Decision
from portal.accounts import demo as accounts_demo
from portal.accounts import roles
from portal.accounts.models import Profile, User
from portal.audit.services import changes_by

from .models import Ballot, BallotOption, RollEntry
from .services import ballot_close, ballot_open, vote_cast

RETURNING_OFFICER = "returning.officer@example.org"
BOARD_SLUG = "board-of-trustees"  # governance.demo.TB_SLUG (not imported: that module pulls in much more)
DEMO_MEMBERS = 60
MEMBER_EMAIL = "member{:02d}@members.example.org"

ELECTION = "Election of two service-user trustees"
MOTION = "Motion: pay peer volunteers' bus fares"
MEMBERS_BALLOT = "What should the Service User Council look at next?"
COUNCIL_CHAIR = "Chair of the Service User Council"
SUC_SLUG = "service-user-council"  # governance.demo.SUC_SLUG

CANDIDATES = [
    ("Jo", "I have chaired the Service User Council for two years. As a trustee I will make sure the board "
     "hears what members say early, before decisions are made, not after."),
    ("Kai", "I first came to the drop-in when things were at their worst. I want to keep it free, friendly "
     "and open at weekends."),
    ("Lena", "I know how hard it can be to speak up in a meeting. I will ask for easy-read papers, and for "
     "every board paper to say what service users told us."),
    ("Marcus", "I help at the evening groups. I will speak for people who work in the day and can only "
     "come to us in the evening."),
    ("Rhiannon", "I am new here, but I sat on a patient panel at the NHS trust. I want to help us show "
     "funders the difference our members make."),
]
# Rankings as positions in CANDIDATES, and how many papers carry each. 50 papers, quota 17: Jo is elected
# on first choices; Jo's surplus goes mostly to Lena; Rhiannon, then Marcus, are excluded and their
# papers transferred; Lena overtakes Kai and takes the second seat.
ELECTION_PAPERS = [
    ((0, 2, 1), 12), ((0, 2), 5), ((0, 1, 3), 3),
    ((1, 3), 7), ((1,), 4),
    ((2, 1), 6), ((2, 0, 3), 3),
    ((3, 2, 4), 4), ((3, 4, 2), 2),
    ((4, 3, 1), 3), ((4,), 1),
]

MOTION_DESCRIPTION = (
    "Moved by Femi, seconded by Amara. The board deferred this decision until the cost was known: the "
    "finance lead estimates £1,200 a year for eight volunteers. Trustees vote online before the next "
    "meeting. This is a named vote: the minutes will say who voted which way."
)
# Board members' votes (by email); Tom (trustee@example.org) and Femi have not voted yet.
MOTION_VOTES = [
    ("grace.chair@example.org", "for"),
    ("dev.trustee@example.org", "for"),
    ("amara.trustee@example.org", "for"),
    ("ben.trustee@example.org", "against"),
    ("carys.trustee@example.org", "abstain"),
]

TOPICS = [
    "Support at weekends and on bank holidays",
    "Help with benefit forms and letters",
    "Groups for young adults (18 to 25)",
    "Meeting online as well as in person",
]
# The topics each of the first members approved (positions in TOPICS); Sam has not voted.
TOPIC_VOTES = [(0, 1), (1,), (0, 2, 3), (1, 3), (0,), (2,), (0, 1, 2, 3), (1, 2), (3,), (0, 3), (1,), (0, 1),
               (2, 3), (1,), (0, 2), (1, 3), (0,), (1, 2)]


def seed() -> None:
    """Make whatever part of the voting demo is missing (see the module docstring)."""
    officer = User.objects.filter(email=RETURNING_OFFICER).first()
    members = _members()
    # The returning officer sets the ballots up, so their history names them, as the ledger's events do.
    with changes_by(officer):
        _election(officer, members)
        _board_motion(officer)
        _members_ballot(officer, members)
        _draft_ballot()


def _members() -> list[User]:
    """The demo service-user members, made if missing (the shared demo member password, default preferences)."""
    group = Group.objects.filter(name=roles.SERVICE_USERS).first()
    emails = [MEMBER_EMAIL.format(n) for n in range(1, DEMO_MEMBERS + 1)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    for n, email in enumerate(emails, start=1):
        if email not in existing:
            user = User.objects.create_user(email=email, password=None, display_name=f"Demo member {n}")
            Profile.objects.get_or_create(user=user)
    members = list(User.objects.filter(email__in=emails).order_by("email"))
    if group is not None:
        group.user_set.add(*members)  # adds only who is missing
    accounts_demo.let_sign_in(members)
    return members


def _ballot(title: str, options: list[tuple[str, str]], **fields) -> Ballot:
    """The ballot called `title`, made as a draft with its options if missing."""
    ballot = Ballot.objects.filter(title=title).first()
    if ballot is None:
        ballot = Ballot.objects.create(title=title, **fields)
        for order, (label, statement) in enumerate(options):
            BallotOption.objects.create(ballot=ballot, label=label, statement=statement, order=order)
    return ballot


def _open(ballot: Ballot, officer) -> Ballot:
    if ballot.status == Ballot.Status.DRAFT:
        ballot = ballot_open(ballot=ballot, user=officer, tell_voters=False)
    return ballot


def _cast(ballot: Ballot, votes: list[tuple[User, object]]) -> None:
    """Cast each (voter, choices) through `vote_cast`, skipping anyone who has voted or is not on the roll."""
    if ballot.status != Ballot.Status.OPEN or not (ballot.opens_at <= timezone.now() < ballot.closes_at):
        return
    waiting = set(RollEntry.objects.filter(ballot=ballot, has_voted=False).values_list("voter_id", flat=True))
    for voter, choices in votes:
        if voter.pk in waiting:
            vote_cast(ballot=ballot, user=voter, choices=choices)


def _election(officer, members: list[User]) -> None:
    now = timezone.now()
    ballot = _ballot(
        ELECTION,
        CANDIDATES,
        description="Two trustee places are kept for people with lived experience who use our services. "
        "Every service-user member could vote. Number the candidates in order of preference: 1 for your "
        "first choice, 2 for your next, and so on.",
        kind=Ballot.Kind.STV,
        seats=2,
        electorate=Ballot.Electorate.SERVICE_USERS,
        secret=True,
        turnout_quorum=25,
        opens_at=now - timedelta(days=14),
        # Closed by the returning officer as soon as the demo's papers are in (a closing time in the past
        # would not let the ballot open, and the papers can only be cast while it is open).
        closes_at=now + timedelta(minutes=10),
    )
    ballot = _open(ballot, officer)
    if ballot.status != Ballot.Status.OPEN:
        return
    options = list(ballot.options.order_by("order").values_list("pk", flat=True))
    rankings = [ranking for ranking, copies in ELECTION_PAPERS for _ in range(copies)]
    papers = zip(members, rankings, strict=False)  # the members after the 50th do not vote
    _cast(ballot, [(voter, [options[i] for i in ranking]) for voter, ranking in papers])
    ballot_close(ballot=ballot, user=officer)


def _board_motion(officer) -> None:
    board = Body.objects.filter(slug=BOARD_SLUG).first()
    if board is None:
        return  # the governance demo did not run (no home page or consultations)
    now = timezone.now()
    deferred = Decision.objects.filter(body=board, title="Pay peer volunteers' travel costs").first()
    ballot = _ballot(
        MOTION,
        [],
        description=MOTION_DESCRIPTION,
        kind=Ballot.Kind.MOTION,
        electorate=Ballot.Electorate.BODY,
        body=board,
        secret=False,
        threshold=Ballot.Threshold.SIMPLE,
        decision=deferred,
        opens_at=now - timedelta(days=2),
        closes_at=now + timedelta(days=7),
    )
    ballot = _open(ballot, officer)
    voters = {u.email: u for u in User.objects.filter(email__in=[email for email, _ in MOTION_VOTES])}
    _cast(ballot, [(voters[email], choice) for email, choice in MOTION_VOTES if email in voters])


def _draft_ballot() -> Ballot:
    """A ballot still being set up, so every state is in the demo: the council's choice of chair, opening in
    a week, for the returning officer to check and open."""
    now = timezone.now()
    return _ballot(
        COUNCIL_CHAIR,
        [("Jo", "I have chaired the council for two years and would like to carry on."),
         ("Marcus", "I help at the evening groups and would bring their voice to the chair.")],
        description="The Service User Council chooses its chair for the next two years. Your vote is secret.",
        kind=Ballot.Kind.SINGLE,
        electorate=Ballot.Electorate.BODY,
        body=Body.objects.filter(slug=SUC_SLUG).first(),
        secret=True,
        opens_at=now + timedelta(days=7),
        closes_at=now + timedelta(days=21),
    )


def _members_ballot(officer, members: list[User]) -> None:
    now = timezone.now()
    ballot = _ballot(
        MEMBERS_BALLOT,
        [(topic, "") for topic in TOPICS],
        description="The council will choose one topic to work on next. Choose every topic you would "
        "like it to look at: the one with the most support goes first. Your vote is secret.",
        kind=Ballot.Kind.APPROVAL,
        electorate=Ballot.Electorate.SERVICE_USERS,
        secret=True,
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=14),
    )
    ballot = _open(ballot, officer)
    options = list(ballot.options.order_by("order").values_list("pk", flat=True))
    voters = members[-len(TOPIC_VOTES):]  # members who did not all vote in the election, too
    papers = zip(voters, TOPIC_VOTES, strict=True)
    _cast(ballot, [(voter, [options[i] for i in picked]) for voter, picked in papers])
