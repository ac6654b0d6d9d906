"""Users choose whether their upcoming meetings are downloaded for offline reading."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_sort_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="offline_auto_download",
            field=models.BooleanField(
                default=False,
                verbose_name="Tự động tải cuộc họp sắp tới để đọc offline",
            ),
        ),
    ]
