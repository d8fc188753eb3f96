"""Rich text as it reaches a page: only the markup our editors' features can make.

Wagtail trusts the rich text it finds in the database: its editor keeps to each field's features, but
`{{ value|richtext }}` and a RichTextBlock print whatever is stored. Rich text written any other way (a
script, an import, the ORM, a revision saved by hand) could carry `<script>`, event-handler attributes,
`javascript:` links or frames. Our `wagtailcore/shared/richtext.html` (which both of those render
through) passes the expanded HTML through `clean_rich_text`, Wagtail's own whitelister with the
elements our features produce: paragraphs, headings, lists, bold and italic, line breaks, links
(http, https, mailto, tel and site paths) and images (Wagtail's rendition tags, site paths only). Anything else is
unwrapped to its text; scripts, styles and frames are dropped with their contents.
"""

import functools
import re
from typing import ClassVar

from wagtail.whitelist import DEFAULT_ELEMENT_RULES, Whitelister, attribute_rule, check_url


def _drop(tag) -> None:
    tag.decompose()


LINK_SCHEMES = ("http", "https", "mailto", "tel")


def link_url(url: str) -> str | None:
    """A link's address if it is on this site or uses a scheme people click (Wagtail's check, less ftp)."""
    checked = check_url(url)
    if checked is None:
        return None
    scheme = re.match(r"\s*([a-zA-Z][a-zA-Z0-9+.-]*):", checked)
    return checked if scheme is None or scheme[1].lower() in LINK_SCHEMES else None


def image_url(url: str) -> str | None:
    """An image's address only if it is a path on this site (Wagtail's renditions are): never another
    server's, which a browser would load for every reader and the PDF printer for the server."""
    path = url.strip()
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else None


class RichTextWhitelister(Whitelister):
    element_rules: ClassVar[dict] = {
        **DEFAULT_ELEMENT_RULES,
        "a": attribute_rule({"href": link_url}),
        "img": attribute_rule({"src": image_url, "width": True, "height": True, "alt": True, "class": True}),
        **{name: _drop for name in ("script", "style", "iframe", "frame", "object", "embed", "template", "noscript")},
    }


_whitelister = RichTextWhitelister()


@functools.lru_cache(maxsize=1024)
def clean_rich_text(html: str) -> str:
    """`html` with only the allowed elements and attributes left (not marked safe: the caller decides).

    Cached by its input (about 3 ms for 2 KB of HTML otherwise, on every page that shows rich text): the
    result depends on nothing else, and a changed text is a new key."""
    return _whitelister.clean(html)
