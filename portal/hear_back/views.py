"""The "What came of it" page: a person's own messages, and how they want to hear by email."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from portal.home.pagination import page_links

from . import selectors, services
from .forms import ChoiceForm

PER_PAGE = 20


@login_required
@require_http_methods(["GET", "POST"])
def what_came_of_it(request):
    """Every message the person was sent (newest first, 20 a page) and their email choice."""
    form = ChoiceForm(request.POST or None, initial={"how": selectors.choice_for(request.user)})
    if request.method == "POST" and form.is_valid():
        try:
            services.hear_back_choose(person=request.user, how=form.cleaned_data["how"])
        except ValidationError as error:
            form.add_error("how", error.message_dict.get("how", error.messages))
        else:
            messages.success(request, "Your choice is saved.")
            return redirect("hear_back:list")
    page_obj = Paginator(selectors.messages_for(request.user), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page_obj,
        "pagination": page_links(request, page_obj),
        "emails_on": selectors.emailed_each_time().filter(pk=request.user.pk).exists()
        or selectors.emailed_weekly().filter(pk=request.user.pk).exists(),
    }
    return render(request, "hear_back/what_came_of_it.html", context, status=400 if form.errors else 200)
