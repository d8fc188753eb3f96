"""Demo consultations for `manage.py seed_demo`: one open, one closed with results, one opening soon.

Idempotent: each page is looked up by its slug and made only when missing, together with everything
that belongs to it (the closed one's responses, themes and "we did" statements), so running the seed
twice creates nothing twice. Fast: the closed consultation's responses are written with a few bulk
inserts (with their history rows), and the random answers come from a fixed seed, so every fresh demo
shows the same results. Themes, tags and statements go through the analysts' services, so the ledger
and the history tables hold what a real analyst's work would leave.
"""

import random
import uuid
from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from portal.accounts import roles
from portal.accounts.models import User
from portal.home.demo import month_name
from portal.home.models import HomePage

from . import analysis_services
from .models import (
    Answer,
    AnswerChoice,
    Audience,
    ConsultationIndexPage,
    ConsultationPage,
    Identity,
    Question,
    Response,
    ResultsVisibility,
)

Kind = Question.Kind
INDEX_SLUG = "have-your-say"
OPEN_SLUG = "improving-our-evening-groups"
CLOSED_SLUG = "making-our-drop-in-more-welcoming"
UPCOMING_SLUG = "choosing-our-next-training-course"
CLOSED_RESPONSES = 72

INDEX = {
    "title": "Have your say",
    "intro": "Tell us what you think about our groups and services. A person reads every answer, and we "
    "show what we did about what you said.",
}

OPEN = {
    "title": "Improving our evening groups",
    "summary": "Our evening peer-support groups meet on Tuesdays and Thursdays from 6pm to 8pm. Some of "
    "you have told us the times, the rooms or the way groups start do not always work for you. Before "
    "we plan next year, we want to hear from everyone who comes, used to come, or would like to come. "
    "It takes about 10 minutes.",
    "easy_read_summary": "<p>We run groups in the evening.</p><p>We want to make them better.</p>"
    "<ul><li>Tell us what works for you.</li><li>Tell us what does not work.</li>"
    "<li>You do not have to answer every question.</li><li>It takes about 10 minutes.</li></ul>",
    "content_note": "Some questions ask how you felt at a group. You can skip those questions, and you "
    "can stop at any time.",
    "identity": Identity.CHOOSE,
    "audience": Audience.PUBLIC,
    "results_visibility": ResultsVisibility.AFTER_CLOSE,
}
OPEN_QUESTIONS = [
    {
        "kind": Kind.SHORT_TEXT,
        "prompt": "In a few words, what do you like most about our evening groups?",
        "help_text": "For example: the people, the time or the place.",
    },
    {
        "kind": Kind.SINGLE_CHOICE,
        "prompt": "Which evening would suit you best?",
        "required": True,
        "choices": "Monday\nTuesday\nWednesday\nThursday\nI cannot come in the evening",
    },
    {
        "kind": Kind.MULTIPLE_CHOICE,
        "prompt": "What would help you get to a group?",
        "help_text": "Choose all that apply.",
        "choices": "A reminder by text message\nHelp with bus or taxi fares\nSomeone to meet me at the door\n"
        "An online group I can join from home\nA later start time",
    },
    {
        "kind": Kind.SCALE,
        "prompt": "How welcome did you feel the last time you came to a group?",
        "help_text": "If you have not been to a group yet, you can skip this question.",
        "scale_low_label": "Not welcome at all",
        "scale_high_label": "Very welcome",
    },
    {
        "kind": Kind.RANKING,
        "prompt": "Which changes matter most to you?",
        "help_text": "Give the change you want most number 1, the next number 2, and so on. "
        "You can leave out any you do not mind about.",
        "choices": "A quieter room for people who find groups loud\nHot food at the start of the group\n"
        "A peer worker to talk to one-to-one after the group",
    },
    {
        "kind": Kind.YES_NO,
        "prompt": "Would you like us to start a group just for young adults aged 18 to 25?",
    },
    {
        "kind": Kind.LONG_TEXT,
        "prompt": "Is there anything else you want to tell us about the evening groups?",
        "help_text": "Please do not write the names of other people who come to the groups.",
    },
]

CLOSED = {
    "title": "Making our drop-in more welcoming",
    "summary": "Our drop-in at the Mill Street centre is open on weekdays from 10am to 4pm. We asked "
    "what would make it feel more welcoming, especially the first time someone comes.",
    "easy_read_summary": "<p>Our drop-in is a place you can come without booking.</p>"
    "<p>We asked how to make it feel more friendly.</p><p>Read what people said and what we did.</p>",
    "identity": Identity.ANONYMOUS,
    "audience": Audience.PUBLIC,
    "results_visibility": ResultsVisibility.AFTER_CLOSE,
}
CLOSED_QUESTIONS = [
    {
        "kind": Kind.SINGLE_CHOICE,
        "prompt": "How often do you come to the drop-in?",
        "required": True,
        "choices": "Every week\nOnce or twice a month\nA few times a year\nI have not been yet",
    },
    {
        "kind": Kind.SCALE,
        "prompt": "How welcome do you feel when you arrive?",
        "scale_low_label": "Not welcome at all",
        "scale_high_label": "Very welcome",
    },
    {
        "kind": Kind.MULTIPLE_CHOICE,
        "prompt": "What would make the drop-in better for you?",
        "choices": "Longer opening hours\nA quiet room\nMore peer workers on shift\n"
        "Free hot drinks and snacks\nHelp with benefits and forms",
    },
    {
        "kind": Kind.RANKING,
        "prompt": "What should we do first?",
        "choices": "Open on Saturdays\nMake a quiet room\nTrain more peer volunteers",
    },
    {"kind": Kind.YES_NO, "prompt": "Would you recommend the drop-in to a friend?"},
    {
        "kind": Kind.SHORT_TEXT,
        "prompt": "In a few words, what does the drop-in mean to you?",
    },
    {
        "kind": Kind.LONG_TEXT,
        "prompt": "What is one thing we could change to make you feel more welcome?",
    },
]
# Weights for the closed consultation's random answers, by question position (a plausible spread).
CLOSED_WEIGHTS = {
    0: [30, 25, 12, 6],
    1: [9, 12, 14, 22, 18],
    2: [40, 35, 30, 45, 25],  # multiple choice: the percent chance of each being ticked
    3: [40, 34, 28],
    4: [80, 20],
}
SHORT_TEXTS = [
    "Somewhere I belong.",
    "A reason to leave the house.",
    "People who get it.",
    "A lifeline, honestly.",
    "Tea and no judgement.",
    "Where I made my first friend in years.",
    "Calm.",
    "Being listened to.",
]

# The closed consultation's themes: (name, summary, what people wrote, what we did).
THEMES = [
    (
        "A friendly welcome at the door",
        "Many people said the first few minutes matter most. Walking into a busy room alone felt hard, "
        "and some people nearly turned round and left. People asked for someone to say hello and show "
        "them around.",
        [
            "When I first came nobody said hello and I nearly left.",
            "Have someone at the door who says hello and shows you where things are.",
            "Name badges for staff, so you know who to ask.",
            "It took me three tries to walk in. A friendly face at the door would help.",
            "Tell new people how things work, like where the kitchen is and if they need to sign in.",
        ],
        f"Since {month_name(0)}, a peer volunteer meets people at the door at every session and shows new visitors "
        "around. Everyone on shift now wears a name badge.",
    ),
    (
        "Opening at weekends",
        "People who work or study in the week cannot come. Several people said weekends are when they "
        "feel most alone, and that is when they need the drop-in most.",
        [
            "Open on Saturdays. Weekends are the hardest for me.",
            "I work Monday to Friday so I can never come.",
            "Sunday afternoons are really lonely. Even a few hours would help.",
            "Weekend opening, please, even just once a month.",
        ],
        "The board agreed to open the drop-in on Saturdays from 11am to 3pm, as a six-month trial "
        f"starting in {month_name(1)}. We will ask you again at the end of the trial.",
    ),
    (
        "Somewhere quiet",
        "Some people find the main room loud and busy, especially on bad days. They asked for a quiet "
        "space where they can sit without having to talk.",
        [
            "A quiet room for when it gets too much.",
            "It is very noisy at lunchtime. I have to leave sometimes.",
            "Turn the music down, or have a room with no music.",
            "Somewhere to sit on your own without anyone thinking something is wrong.",
        ],
        "We have made the small back room into a quiet room, with soft lights and no music. It is open "
        "whenever the drop-in is open.",
    ),
    (
        "Peer workers with time to talk",
        "People value talking to someone who has been through it too. On busy days peer workers are "
        "stretched, and people said they did not want to bother them.",
        [
            "More peer workers. They are always rushed off their feet.",
            "I would like to talk to a peer worker one-to-one sometimes.",
            "The peer workers are the best thing here. There just are not enough of them.",
        ],
        "We are training eight more peer volunteers over the next three months. Until they start, one more paid peer "
        "worker is on shift on Mondays and Fridays, our busiest days.",
    ),
]
UNTHEMED_TEXTS = ["Nothing. It is great as it is.", "Keep the biscuits!", "Better signs from the bus stop."]

UPCOMING = {
    "title": "Choosing our next training course",
    "summary": "Each year we offer free training to members. Help us choose next year's course: "
    "for example, mental health first aid, listening skills or running a group.",
    "easy_read_summary": "<p>We run free training for members.</p><p>Help us choose the next course.</p>",
    "identity": Identity.CHOOSE,
    "audience": Audience.MEMBERS,
    "results_visibility": ResultsVisibility.AFTER_CLOSE,
}
UPCOMING_QUESTIONS = [
    {
        "kind": Kind.SINGLE_CHOICE,
        "prompt": "Which course would you most like to go on?",
        "choices": "Mental health first aid\nListening skills\nRunning a peer-support group",
    },
    {"kind": Kind.YES_NO, "prompt": "Would you go to a course on a Saturday?"},
    {"kind": Kind.LONG_TEXT, "prompt": "Is there another course you would like us to offer?"},
]


def seed() -> None:
    """Publish the 'Have your say' index and the three demo consultations, each only if missing."""
    home = HomePage.objects.first()
    if home is None:
        return
    index = _index(home)
    _consultation(index, OPEN_SLUG, OPEN, OPEN_QUESTIONS, _day(-3, 9), _day(60, 17))
    closed = _consultation(index, CLOSED_SLUG, CLOSED, CLOSED_QUESTIONS, _day(-63, 9), _day(-21, 17))
    if closed is not None:
        _responses(closed)
        _themes(closed)
    _consultation(index, UPCOMING_SLUG, UPCOMING, UPCOMING_QUESTIONS, _day(14, 9), _day(42, 17))


def _day(days: int, hour: int):
    """`hour` o'clock local time, `days` from today: demo dates read like an editor's, not like now()."""
    today = timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days)


def _index(home: HomePage) -> ConsultationIndexPage:
    index = ConsultationIndexPage.objects.child_of(home).first()
    if index is None:
        index = ConsultationIndexPage(slug=INDEX_SLUG, **INDEX)
        home.add_child(instance=index)
        index.save_revision().publish()
    return index


def _consultation(index, slug, fields, questions, opens_at, closes_at) -> ConsultationPage | None:
    """Publish a consultation under `index`; None if one with `slug` is already there."""
    if ConsultationPage.objects.filter(slug=slug).exists():
        return None
    page = ConsultationPage(slug=slug, opens_at=opens_at, closes_at=closes_at, **fields)
    page.questions = [Question(sort_order=n, **question) for n, question in enumerate(questions)]
    index.add_child(instance=page)
    page.save_revision().publish()
    return ConsultationPage.objects.get(pk=page.pk)


def _responses(page: ConsultationPage) -> None:
    """CLOSED_RESPONSES submitted responses spread over the weeks it was open, in a few bulk inserts."""
    rng = random.Random(2026)
    peer_worker = User.objects.filter(groups__name=roles.PEER_WORKERS).first()
    span = (page.closes_at - page.opens_at).total_seconds()
    responses = []
    for n in range(CLOSED_RESPONSES):
        origin = Response.Origin.ASSISTED if n % 12 == 5 else Response.Origin.PAPER if n % 15 == 7 else (
            Response.Origin.EVENT if n % 30 == 11 else Response.Origin.ONLINE
        )
        response = Response(
            consultation=page,
            status=Response.Status.SUBMITTED,
            origin=origin,
            entered_by=peer_worker if origin == Response.Origin.ASSISTED else None,
            consent_statement="I read each question aloud and typed the answers. They agreed."
            if origin == Response.Origin.ASSISTED else "",
            idempotency_key=uuid.uuid4().hex,
            lived_experience=rng.choices(["yes", "no", "prefer_not", ""], [55, 12, 8, 25])[0],
            submitted_at=page.opens_at + timedelta(seconds=span * rng.random()),
        )
        response._history_date = response.submitted_at
        responses.append(response)
    responses = bulk_create_with_history(responses, Response, batch_size=500)
    _answers(rng, responses, list(page.questions.order_by("sort_order")))


def _answers(rng: random.Random, responses: list[Response], questions: list[Question]) -> None:
    answers, values = [], []
    for response in responses:
        for position, question in enumerate(questions):
            if not question.required and rng.random() < 0.12:
                continue  # some people skip a question
            value = _value(rng, position, question)
            answers.append(Answer(response=response, question=question, **_fields(question, value)))
            values.append(value)
    Answer.objects.bulk_create(answers, batch_size=500)
    picks = []
    for answer, value in zip(answers, values):
        if answer.question.kind == Kind.MULTIPLE_CHOICE:
            picks += [AnswerChoice(answer=answer, question=answer.question, choice=c) for c in value]
        elif answer.question.kind == Kind.RANKING:
            picks += [
                AnswerChoice(answer=answer, question=answer.question, choice=c, rank=r)
                for r, c in enumerate(value, start=1)
            ]
    AnswerChoice.objects.bulk_create(picks, batch_size=500)


def _value(rng: random.Random, position: int, question: Question):
    weights = CLOSED_WEIGHTS.get(position)
    kind = question.kind
    if kind == Kind.SHORT_TEXT:
        return rng.choice(SHORT_TEXTS)
    if kind == Kind.LONG_TEXT:
        pool = [text for _, _, texts, _ in THEMES for text in texts] + UNTHEMED_TEXTS
        return rng.choice(pool)
    if kind in (Kind.SINGLE_CHOICE, Kind.YES_NO):
        return rng.choices(range(len(weights)), weights)[0]
    if kind == Kind.SCALE:
        return rng.choices(range(1, 6), weights)[0]
    if kind == Kind.MULTIPLE_CHOICE:
        picked = [c for c, weight in enumerate(weights) if rng.random() < weight / 100]
        return picked or [rng.randrange(len(weights))]
    # Ranking: a weighted shuffle, so the favourite comes first more often but not always.
    return sorted(range(len(weights)), key=lambda c: -rng.random() * weights[c])


def _fields(question: Question, value) -> dict:
    if question.kind in Question.TEXT_KINDS:
        return {"text": value}
    if question.kind == Kind.SCALE:
        return {"scale": value}
    if question.kind in (Kind.SINGLE_CHOICE, Kind.YES_NO):
        return {"choice": value}
    return {}


def _themes(page: ConsultationPage) -> None:
    """The analyst's work: a theme per group of comments, each comment tagged, a published 'we did'."""
    analyst = _analyst()
    if analyst is None:
        return
    answers = list(analysis_services.codeable_answers(page).filter(question__kind=Kind.LONG_TEXT))
    for name, summary, texts, we_did in THEMES:
        theme = analysis_services.theme_create(page=page, name=name, summary=summary, user=analyst)
        for answer in answers:
            if answer.text in texts:
                analysis_services.answer_tag(answer=answer, theme=theme, user=analyst)
        analysis_services.statement_save(theme=theme, text=we_did, user=analyst, publish=True)


def _analyst() -> User | None:
    """The demo analyst (made by portal.accounts.demo), else any superuser."""
    group = Group.objects.filter(name=roles.ANALYSTS).first()
    user = User.objects.filter(groups=group).order_by("pk").first() if group else None
    return user or User.objects.filter(is_superuser=True).order_by("pk").first()
