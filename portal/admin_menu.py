"""Admin menu items shown only to the people whose job they are (each app's wagtail_hooks uses it)."""

from wagtail.admin.menu import MenuItem


class ShownIf(MenuItem):
    """A menu item shown only when `shown_if(user)` is true, so each role's menu holds its own tasks."""

    def __init__(self, *args, shown_if, **kwargs):
        super().__init__(*args, **kwargs)
        self.shown_if = shown_if

    def is_shown(self, request):
        return self.shown_if(request.user)
