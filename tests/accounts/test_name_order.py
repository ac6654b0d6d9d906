"""Names in Vietnamese order, the same in SQLite and PostgreSQL (one stored key)."""

import pytest

from accounts.models import User
from nghisu.text import name_sort_key

ORDERED = [
    "Nguyễn Văn An",
    "Trần Thị Ánh",
    "Lê Thị Ăn",
    "Phạm Văn Ân",
    "Lê Văn Dung",
    "Lê Văn Dũng",
    "Cầm Văn Đông",
    "Hoàng Văn Hà",
    "Mai Hà",
    "Trần Hả",
    "Lê Hài",
    "Lò Văn Hoàng",
    "Vì Văn Hùng",
    "Đỗ Thị Lan",
]


def test_the_key_orders_given_name_then_family_with_the_vietnamese_alphabet():
    assert sorted(reversed(ORDERED), key=name_sort_key) == ORDERED
    # Composed or decomposed, the same key.
    import unicodedata

    name = "Nguyễn Thị Ưng"
    assert name_sort_key(unicodedata.normalize("NFD", name)) == name_sort_key(name)
    assert name_sort_key("Hà") < name_sort_key("Hoàng")
    assert name_sort_key("Vì Văn Đức") > name_sort_key("Vì Văn Dũng")
    assert name_sort_key("A Đ") < name_sort_key("A E")


@pytest.mark.django_db
def test_users_are_listed_in_that_order_by_the_database():
    for n, name in enumerate(reversed(ORDERED)):
        User.objects.create_user(f"u{n}", full_name=name)
    names = [u.full_name for u in User.objects.filter(username__startswith="u")]
    assert names == ORDERED
    user = User.objects.get(full_name="Mai Hà")
    user.full_name = "Mai Ánh"
    user.save(update_fields=["full_name"])
    assert User.objects.get(pk=user.pk).sort_key == name_sort_key("Mai Ánh")
