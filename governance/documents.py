"""Meeting papers: Wagtail documents attached to agenda items.

A paper attached to any confidential agenda item is served only to people who may read that item
(`can_view_agenda_item`: the body's members and secretaries); anyone else gets 403, or the sign-in page
if they are not signed in. Papers belong in the "Governance papers (private)" collection, which has a
sign-in view restriction, so even papers of public items are not open to the whole web.

Why a sign-in restriction rather than a groups one: the people who read papers are a body's members,
and membership is not a Django group (a Service User Council member may be in no staff group at all).
The groups restriction would lock them out; the hook below does the fine-grained check instead.
"""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from wagtail import hooks
from wagtail.models import Collection, CollectionViewRestriction

from .models import AgendaItem
from .permissions import can_view_agenda_item

PAPERS_COLLECTION_NAME = "Governance papers (private)"


def confidential_items_for(document) -> list[AgendaItem]:
    """The confidential agenda items this document is a paper of."""
    return list(
        AgendaItem.objects.filter(papers=document, confidential=True).select_related("meeting__body")
    )


def can_view_paper(user, document) -> bool:
    """True unless the document is a paper of a confidential item that `user` may not read."""
    return all(can_view_agenda_item(user, item) for item in confidential_items_for(document))


@hooks.register("before_serve_document")
def refuse_confidential_papers(document, request):
    """Wagtail asks this before serving any document; a refusal here stops the download."""
    if can_view_paper(request.user, document):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied("This paper is confidential. Only members of the group can read it.")


def ensure_papers_collection() -> Collection:
    """Create (once) the private collection for meeting papers, restricted to signed-in people."""
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=PAPERS_COLLECTION_NAME).first()
    if collection is None:
        collection = root.add_child(name=PAPERS_COLLECTION_NAME)
    if not CollectionViewRestriction.objects.filter(collection=collection).exists():
        CollectionViewRestriction.objects.create(
            collection=collection, restriction_type=CollectionViewRestriction.LOGIN
        )
    return collection
