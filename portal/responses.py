"""Small pieces every app's views share: a response nobody may cache, and a service's ValidationError
shown on the form it came from."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.cache import patch_cache_control


def private(response: HttpResponse) -> HttpResponse:
    """Mark `response` as personal: no shared cache, and no copy kept."""
    patch_cache_control(response, private=True, no_store=True)
    return response


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on `form`: by field where it names one of the form's fields."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
