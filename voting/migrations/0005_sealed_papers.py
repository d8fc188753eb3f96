"""Secret papers sealed until close, receipts kept apart from papers (voting/sealing.py says why).

Ballots already open or closed get their salt and key. Their papers, written before this, are moved:
a secret ballot still open has its papers sealed (they are opened and shuffled with the rest at close);
a closed one has its papers written again with new ids in a random order and its receipts moved to
their own table in another. Named ballots keep their papers (named votes point at them).
"""

import django.db.models.deletion
from django.db import migrations, models

import voting.models
from voting import sealing


def move_papers(apps, schema_editor):
    Ballot = apps.get_model("voting", "Ballot")
    BallotPaper = apps.get_model("voting", "BallotPaper")
    BallotReceipt = apps.get_model("voting", "BallotReceipt")
    SealedPaper = apps.get_model("voting", "SealedPaper")
    for ballot in Ballot.objects.exclude(status="draft"):
        ballot.seal_salt = sealing.new_salt()
        ballot.seal_public_key = sealing.public_key_for(ballot)
        Ballot.objects.filter(pk=ballot.pk).update(seal_salt=ballot.seal_salt, seal_public_key=ballot.seal_public_key)
        papers = list(BallotPaper.objects.filter(ballot=ballot).values_list("choices", "receipt_hash"))
        receipts = [BallotReceipt(ballot=ballot, receipt_hash=rhash) for _, rhash in sealing.shuffled(papers)]
        if not ballot.secret:
            BallotReceipt.objects.bulk_create(receipts)
            continue
        BallotPaper.objects.filter(ballot=ballot).delete()
        if ballot.status == "open":
            options = ballot.options.count()
            SealedPaper.objects.bulk_create([
                SealedPaper(ballot=ballot, box=sealing.seal(ballot, choices=choices, receipt_hash=rhash, option_count=options))
                for choices, rhash in sealing.shuffled(papers)
            ])
        else:
            BallotPaper.objects.bulk_create([BallotPaper(ballot=ballot, choices=c) for c, _ in sealing.shuffled(papers)])
            BallotReceipt.objects.bulk_create(receipts)


class Migration(migrations.Migration):

    dependencies = [
        ('voting', '0004_options_in_ballot_form'),
    ]

    operations = [
        migrations.AddField(
            model_name='ballot',
            name='seal_public_key',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='ballot',
            name='seal_salt',
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name='historicalballot',
            name='seal_public_key',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='historicalballot',
            name='seal_salt',
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.CreateModel(
            name='SealedPaper',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('box', models.BinaryField()),
                ('ballot', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sealed_papers', to='voting.ballot')),
            ],
        ),
        migrations.CreateModel(
            name='BallotReceipt',
            fields=[
                ('id', models.UUIDField(default=voting.models.new_paper_id, editable=False, primary_key=True, serialize=False)),
                ('receipt_hash', models.CharField(max_length=64)),
                ('ballot', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='receipts', to='voting.ballot')),
            ],
            options={
                'ordering': ['receipt_hash'],
                'constraints': [models.UniqueConstraint(fields=('ballot', 'receipt_hash'), name='one_receipt_per_code')],
            },
        ),
        # Papers written again below have no receipt; the column itself goes in 0006.
        migrations.AlterField(
            model_name='ballotpaper',
            name='receipt_hash',
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(move_papers, migrations.RunPython.noop),
    ]
