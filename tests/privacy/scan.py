"""Search every table in the database for a person: their email, their name, and their old id.

Tables come from the database itself (so tables without models, such as SQLite's full-text index
tables, are searched too); every column is read as text. The old id is looked for in every column
that refers to the user table: foreign keys the database knows about, foreign keys only the models
know about (history tables, Wagtail's logs), log entries about the account, revisions' stored copies
and sessions.
"""

import json

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import connection

PSEUDONYM_MAP = "audit_actorpseudonym"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def text_hits(needles: list[str], *, exempt=(PSEUDONYM_MAP,), only=None) -> list[str]:
    """'table.column' for every column anywhere (or in the tables `only`) containing one of `needles`
    (in any case)."""
    wanted = {n.lower() for n in needles} | {json.dumps(n)[1:-1].lower() for n in needles}
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in exempt or (only is not None and table not in only):
                continue
            for column in connection.introspection.get_table_description(cursor, table):
                text = f"LOWER(CAST({_q(column.name)} AS TEXT))"
                where = " OR ".join([f"{text} LIKE %s"] * len(wanted))
                cursor.execute(f"SELECT COUNT(*) FROM {_q(table)} WHERE {where}", [f"%{n}%" for n in sorted(wanted)])
                if cursor.fetchone()[0]:
                    hits.append(f"{table}.{column.name}")
    return hits


def id_hits(user_id: int, *, exempt=(PSEUDONYM_MAP,)) -> list[str]:
    """Every place the old id still refers to the user table."""
    user_table = get_user_model()._meta.db_table
    columns = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column, (ref_column, ref_table) in connection.introspection.get_relations(cursor, table).items():
                if ref_table == user_table:
                    columns.add((table, column))
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.local_concrete_fields:  # inherited columns live on the parent's table
            if field.is_relation and field.related_model is get_user_model():
                columns.add((model._meta.db_table, field.column))
    hits = []
    with connection.cursor() as cursor:
        for table, column in sorted(columns):
            if table in exempt:
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {_q(table)} WHERE {_q(column)} = %s", [user_id])
            if cursor.fetchone()[0]:
                hits.append(f"{table}.{column} = {user_id}")
    user_type = ContentType.objects.get_for_model(get_user_model())
    for label in ("wagtailcore.ModelLogEntry", "admin.LogEntry"):
        if apps.get_model(label).objects.filter(content_type=user_type, object_id=str(user_id)).exists():
            hits.append(f"{label} about user {user_id}")
    revisions = apps.get_model("wagtailcore.Revision").objects.all()
    for revision in revisions.only("content"):
        if any(revision.content.get(key) == user_id for key in ("owner", "locked_by")):
            hits.append(f"revision {revision.pk} content")
    if any(s.get_decoded().get("_auth_user_id") == str(user_id) for s in Session.objects.all()):
        hits.append("a session")
    return hits
