"""`manage.py set_default_site HOSTNAME PORT`: the address the default Wagtail Site answers on.

Links in emails and files are built on that address (portal/site_links.py), so `make run` runs this with
its HOST and PORT before serving: links then lead back to wherever it serves (unless SITE_URL is set in
the environment, which overrides the Site).
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Site

from portal.site_links import site_root_url


def port_number(text: str) -> int:
    """A TCP port (1 to 65535), so a typo fails here rather than in every link."""
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(text)
    return int(text)


class Command(BaseCommand):
    help = "Set the default Wagtail Site's hostname and port (links in emails and files use them)."

    def add_arguments(self, parser):
        parser.add_argument("hostname", help="e.g. 127.0.0.1 or portal.example.org")
        parser.add_argument("port", type=port_number, help="e.g. 8000 (80 means http://, 443 https://)")

    def handle(self, *args, hostname: str, port: int, **options):
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            raise CommandError("There is no default Site yet: run `manage.py migrate` first.")
        site.hostname, site.port = hostname, port
        try:
            site.full_clean()
        except ValidationError as error:
            raise CommandError(f"The default Site cannot use {hostname}:{port}: {error}") from error
        site.save()  # save(), not update(): Wagtail clears its cached site root paths on save
        self.stdout.write(f"Links in emails and files start with {site_root_url()}")
