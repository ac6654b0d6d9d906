"""One-time form tokens: a create form submitted twice makes one object."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FormToken(models.Model):
    """The token of a rendered create form and the object its first
    submission made. The primary key makes a second insert of the same token
    fail, whatever the concurrency (on PostgreSQL the second transaction waits
    for the first to commit, then gets the conflict)."""

    token = models.UUIDField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+"
    )
    object_id = models.CharField(max_length=40)
    target = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("mã biểu mẫu")
        verbose_name_plural = _("mã biểu mẫu")

    def __str__(self) -> str:
        return f"{self.token} -> {self.content_type_id}:{self.object_id}"
