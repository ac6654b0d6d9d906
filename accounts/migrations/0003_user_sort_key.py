"""Users get a stored Vietnamese name-order key (nghisu.text.name_sort_key)."""

from django.db import migrations, models

from nghisu.text import name_sort_key


def fill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    batch = []
    for user in User.objects.only("pk", "full_name", "username").iterator(
        chunk_size=1000
    ):
        user.sort_key = name_sort_key(user.full_name or user.username)
        batch.append(user)
        if len(batch) == 1000:
            User.objects.bulk_update(batch, ["sort_key"])
            batch = []
    User.objects.bulk_update(batch, ["sort_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_body_rules"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="sort_key",
            field=models.CharField(
                blank=True, db_index=True, editable=False, max_length=600
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterModelOptions(
            name="user",
            options={
                "ordering": ["sort_key", "username"],
                "verbose_name": "người dùng",
                "verbose_name_plural": "người dùng",
            },
        ),
    ]
