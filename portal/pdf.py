"""Printing our HTML to PDF with WeasyPrint, which fetches nothing from the network.

WeasyPrint's own fetcher follows any URL in the page (http, https, ftp, file, with redirects). Rich
text is whitelisted before it reaches a page (portal/home/rich_text.py), but an image address in it
would still be fetched by the server while printing: a way to make the server call addresses inside
its own network. `PdfURLFetcher` allows only `data:` URLs and image renditions under our media
folder, read from disk; anything else is refused, and WeasyPrint leaves that image out.
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from portal.site_links import site_link

RENDITIONS = "images/"


class PdfURLFetcher(URLFetcher):
    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = unquote(urlsplit(url).path)
        media_url = urlsplit(settings.MEDIA_URL).path
        if path.startswith(media_url + RENDITIONS):
            root = Path(settings.MEDIA_ROOT).resolve()
            file = (root / path[len(media_url):]).resolve()
            if file.is_relative_to(root / RENDITIONS) and file.is_file():
                return super().fetch(file.as_uri(), headers)
        raise ValueError(f"Not fetched for a PDF: {url[:200]}")


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF of `html`, resolving relative addresses against `base_url` (only renditions are read).

    With no `base_url` (a background job has no request), links in the PDF start with the site's address.
    """
    return HTML(string=html, base_url=base_url or site_link("/"), url_fetcher=PdfURLFetcher()).write_pdf()
