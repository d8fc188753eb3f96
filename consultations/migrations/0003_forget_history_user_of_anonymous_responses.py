"""History rows of anonymous responses no longer name whoever was signed in when they were written.

From now on the model's history leaves the user out for responses with no respondent and no peer
worker; this clears the rows written before that.
"""

from django.db import migrations


def forget(apps, schema_editor):
    History = apps.get_model("consultations", "HistoricalResponse")
    History.objects.filter(respondent__isnull=True, entered_by__isnull=True).exclude(history_user__isnull=True).update(
        history_user=None
    )


class Migration(migrations.Migration):
    dependencies = [("consultations", "0002_purpose_and_statement_published_at")]

    operations = [migrations.RunPython(forget, migrations.RunPython.noop)]
