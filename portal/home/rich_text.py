"""Rich text as it reaches a page: only the markup our editors' features can make.

Wagtail trusts the rich text it finds in the database: its editor keeps to each field's features, but
`{{ value|richtext }}` and a RichTextBlock print whatever is stored. Rich text written any other way (a
script, an import, the ORM, a revision saved by hand) could carry `<script>`, event-handler attributes,
`javascript:` links or frames. Our `wagtailcore/shared/richtext.html` (which both of those render
through) passes the expanded HTML through `clean_rich_text`, Wagtail's own whitelister with the
elements our features produce: paragraphs, headings, lists, bold and italic, line breaks, links
(http, https, mailto, tel and site paths) and images (Wagtail's rendition tags). Anything else is
unwrapped to its text; scripts, styles and frames are dropped with their contents.
"""

from typing import ClassVar

from wagtail.whitelist import DEFAULT_ELEMENT_RULES, Whitelister, attribute_rule, check_url


def _drop(tag) -> None:
    tag.decompose()


class RichTextWhitelister(Whitelister):
    element_rules: ClassVar[dict] = {
        **DEFAULT_ELEMENT_RULES,
        "img": attribute_rule({"src": check_url, "width": True, "height": True, "alt": True, "class": True}),
        **{name: _drop for name in ("script", "style", "iframe", "frame", "object", "embed", "template", "noscript")},
    }


_whitelister = RichTextWhitelister()


def clean_rich_text(html: str) -> str:
    """`html` with only the allowed elements and attributes left (not marked safe: the caller decides)."""
    return _whitelister.clean(html)
