"""The Moderators role (front-end only: the moderation queue)."""

from django.db import migrations

from portal.accounts.roles import apply_roles


class Migration(migrations.Migration):
    dependencies = [("proposals", "0001_proposals"), ("voting", "0007_paper_votes")]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
