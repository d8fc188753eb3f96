"""GOV.UK pagination links, shared by every paginated list."""


def page_links(request, page_obj, anchor: str = "") -> dict:
    """Previous/next, the first and last page, and two either side of this one; filters are kept."""
    query = request.GET.copy()

    def url(number: int) -> str:
        query["page"] = number
        return "?" + query.urlencode() + (f"#{anchor}" if anchor else "")

    paginator, current = page_obj.paginator, page_obj.number
    items, last_shown = [], 0
    for number in paginator.page_range:
        if number in (1, paginator.num_pages) or abs(number - current) <= 2:
            if number - last_shown > 1:
                items.append({"ellipsis": True})
            items.append({"number": number, "url": url(number), "current": number == current})
            last_shown = number
    return {
        "items": items if paginator.num_pages > 1 else [],
        "previous": url(current - 1) if page_obj.has_previous() else "",
        "next": url(current + 1) if page_obj.has_next() else "",
    }
