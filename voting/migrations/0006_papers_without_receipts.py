"""Papers no longer carry their receipt (moved to BallotReceipt by 0005).

A migration of its own: on PostgreSQL a table cannot be altered in the transaction that moved its rows.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("voting", "0005_sealed_papers"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="ballotpaper",
            name="receipt_hash",
        ),
    ]
