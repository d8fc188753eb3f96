"""Minutes published before they were approved come off the public site (their drafts are kept).

Until now an editor's Publish could put draft or circulated minutes live; the page now refuses that
(MinutesPage.refuse_unless_approved), and this takes down any that went live the old way.
"""

from django.db import migrations


def unpublish(apps, schema_editor):
    MinutesPage = apps.get_model("governance", "MinutesPage")
    MinutesPage.objects.filter(live=True).exclude(status__in=["approved", "locked"]).update(
        live=False, has_unpublished_changes=True
    )


class Migration(migrations.Migration):
    dependencies = [("governance", "0002_roles"), ("wagtailcore", "0001_initial")]

    operations = [migrations.RunPython(unpublish, migrations.RunPython.noop)]
