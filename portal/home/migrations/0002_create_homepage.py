"""Replace Wagtail's welcome page with our HomePage and point the default Site at it."""

from django.db import migrations


def create_homepage(apps, schema_editor):
    from portal.home.setup import ensure_home_page

    ensure_home_page(apps)


class Migration(migrations.Migration):
    dependencies = [("home", "0001_initial"), ("wagtailcore", "0098_apitoken")]

    operations = [migrations.RunPython(create_homepage, migrations.RunPython.noop)]
