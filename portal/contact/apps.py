from django.apps import AppConfig


class ContactConfig(AppConfig):
    name = "portal.contact"
    label = "contact"
    verbose_name = "Contact form"
