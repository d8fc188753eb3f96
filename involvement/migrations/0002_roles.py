"""The Finance role (front end only: claims, rates and payment batches)."""

from django.db import migrations

from portal.accounts.roles import apply_roles


class Migration(migrations.Migration):
    dependencies = [("involvement", "0001_involvement"), ("proposals", "0002_roles")]

    operations = [migrations.RunPython(apply_roles, migrations.RunPython.noop)]
