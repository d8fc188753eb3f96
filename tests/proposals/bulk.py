"""Many supports, comments and proposals quickly (bulk inserts), for the query budget test and
`make bench` (bench/proposals.py). Only for measuring reads: it skips the services on purpose."""

import itertools

from django.db.models import F

from portal.accounts.models import User
from proposals.models import Comment, Proposal, Support

_batches = itertools.count(1)


def people(n: int) -> list[User]:
    """`n` plain accounts (no password: nobody signs in as them)."""
    batch = next(_batches)
    User.objects.bulk_create(
        [User(email=f"bulk{batch}-{i}@example.org", display_name=f"Bulk {batch}-{i}", password="!") for i in range(n)],
        batch_size=2000,
    )
    return list(User.objects.filter(email__startswith=f"bulk{batch}-"))


def add_supports(proposal: Proposal, n: int) -> None:
    """`n` live supports from new people, and the kept count moved to match."""
    Support.objects.bulk_create([Support(proposal=proposal, person=p) for p in people(n)], batch_size=2000)
    Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + n)


def add_comments(proposal: Proposal, n: int, author: User | None = None) -> None:
    """`n` published comments (the author shown by name on every other one)."""
    Comment.objects.bulk_create(
        [Comment(proposal=proposal, author=author, show_name=i % 2 == 0, text=f"Comment {i}: yes, please.",
                 status=Comment.Status.PUBLISHED) for i in range(n)],
        batch_size=2000,
    )


def add_proposals(like: Proposal, n: int) -> None:
    """`n` more public proposals to the same body, by the same author."""
    Proposal.objects.bulk_create(
        [Proposal(body_id=like.body_id, title=f"Bulk proposal {i}", change="Change it.", reason="Because.",
                  author_id=like.author_id, status=Proposal.Status.OPEN, published_at=like.published_at)
         for i in range(n)],
        batch_size=2000,
    )
