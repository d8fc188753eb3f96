"""Make sure the page tree has its root, a HomePage and a default Site.

Used by the data migration and by test fixtures (pytest's live_server flushes what migrations made).
"""

HOME_TITLE = "Your voice shapes what we do"
HOME_INTRO = (
    "We are a peer-support charity. People with lived experience of mental ill-health lead it. "
    "Here you can have your say, see what we decided, and check why."
)


def ensure_home_page(apps=None):
    """Create (or find) the root page, the HomePage under it, and a default Site; return the HomePage."""
    if apps is None:
        from django.apps import apps
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    HomePage = apps.get_model("home", "HomePage")
    Locale = apps.get_model("wagtailcore", "Locale")

    locale, _ = Locale.objects.get_or_create(language_code="en")
    root = Page.objects.filter(depth=1).first()
    if root is None:
        page_ct, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="page")
        root = Page.objects.create(
            title="Root", slug="root", content_type=page_ct, path="0001", depth=1, numchild=0,
            url_path="/", locale=locale,
        )
    existing = HomePage.objects.first()
    if existing is not None:
        home = existing
    else:
        # Wagtail's own migration leaves a "Welcome" page at the home position; remove it.
        Page.objects.filter(depth=2, slug="home").exclude(pk__in=HomePage.objects.values("pk")).delete()
        home_ct, _ = ContentType.objects.get_or_create(app_label="home", model="homepage")
        siblings = Page.objects.filter(depth=2).count()
        home = HomePage.objects.create(
            title=HOME_TITLE, draft_title=HOME_TITLE, slug="home", content_type=home_ct,
            path=f"{root.path}{siblings + 1:04d}", depth=2, numchild=0, url_path="/home/",
            locale=locale, live=True, intro=HOME_INTRO, body=[],
        )
        Page.objects.filter(pk=root.pk).update(numchild=Page.objects.filter(depth=2).count())
    # An existing Site keeps its hostname and port: links in emails and files follow them, and
    # `make run` (manage.py set_default_site) or an editor may have set them.
    Site.objects.update_or_create(
        is_default_site=True,
        defaults={"root_page": home, "site_name": "Together Voices"},
        create_defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "Together Voices"},
    )
    return home
