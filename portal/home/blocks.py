"""StreamField blocks for content pages, each rendered with the design system's own patterns."""

from wagtail import blocks


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=120, help_text="A short heading for the next part of the page.")
    size = blocks.ChoiceBlock(
        choices=[("h2", "Section heading"), ("h3", "Sub-heading")], default="h2"
    )

    class Meta:
        template = "blocks/heading_block.html"
        icon = "title"


class InsetBlock(blocks.StructBlock):
    text = blocks.RichTextBlock(features=["bold", "link"], help_text="Something to set apart, such as a quote.")

    class Meta:
        template = "blocks/inset_block.html"
        icon = "openquote"


class WarningBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=300, help_text="An important warning, in one or two sentences.")

    class Meta:
        template = "blocks/warning_block.html"
        icon = "warning"


class DetailsBlock(blocks.StructBlock):
    summary = blocks.CharBlock(max_length=120, help_text="The link text people click to open it.")
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "ol", "ul"])

    class Meta:
        template = "blocks/details_block.html"
        icon = "collapse-down"


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ol", "ul", "document-link"],
        template="blocks/paragraph_block.html",
        icon="pilcrow",
    )
    inset = InsetBlock()
    warning = WarningBlock()
    details = DetailsBlock()
