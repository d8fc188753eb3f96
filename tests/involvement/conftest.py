import pytest
from django.core.files.storage import FileSystemStorage

from involvement.models import Expense


@pytest.fixture(autouse=True)
def receipt_storage(tmp_path, monkeypatch):
    """Each test keeps receipts in its own folder, so "nothing saved" can be checked by looking."""
    storage = FileSystemStorage(location=tmp_path / "private", base_url=None)
    monkeypatch.setattr(Expense._meta.get_field("receipt"), "storage", storage)
    return storage


def stored_files(storage) -> list[str]:
    root = storage.base_location
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []
