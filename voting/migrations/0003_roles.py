"""Returning officers run ballots in the admin: add, change and view ballots and their options."""

from django.db import migrations

from portal.accounts.roles import apply_roles


class Migration(migrations.Migration):
    dependencies = [("voting", "0002_option_photo"), ("governance", "0002_roles")]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
