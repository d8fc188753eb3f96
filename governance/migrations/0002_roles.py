"""Secretaries keep bodies, memberships, meetings and agenda items; trustees can read them."""

from django.db import migrations

from portal.accounts.roles import apply_roles


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial"), ("accounts", "0002_roles")]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
