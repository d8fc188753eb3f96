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


# Lists kept in the cache keep their first pages only; a later page is read and rendered each time.
KEPT_PAGES = 20


def kept_page_number(request, allowed: set[str] = frozenset()) -> int | None:
    """The page number of a list kept in the cache, or None when this request's list is not kept: the
    query string may hold only `page` (a plain number up to KEPT_PAGES) and the names in `allowed`, each
    once. Whatever else a visitor sends is rendered each time, so made-up values add no keys."""
    number = request.GET.get("page", "1")
    if set(request.GET) - set(allowed) - {"page"} or any(len(values) > 1 for _name, values in request.GET.lists()):
        return None
    if not (number.isdigit() and 1 <= int(number) <= KEPT_PAGES):
        return None
    return int(number)
