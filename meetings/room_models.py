"""The live room's data: sequence and presentation, the floor, votes and ballots.

Imported at the end of :mod:`meetings.models`, so these are models of the
``meetings`` app. Rows change only through :mod:`meetings.room` and
:mod:`meetings.voting`.

Secret ballots: :class:`VoteCast` records *who* voted (unique per vote and voter)
and :class:`Ballot` records *what* was chosen, with a random UUID key, a random
receipt code and no voter, no time and no ordered id. Rows written in one
transaction share PostgreSQL's ``xmin`` and deleted rows stay readable in the
table's pages, so while a secret vote is open its choices are stored only as
:class:`SealedBallot` ciphertexts, sealed to a per-vote public key whose private
half lives outside the database (:mod:`meetings.ballot_seal`); the close opens
them, writes every :class:`Ballot` in random order in one transaction and
destroys the key.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Share

__all__ = [
    "Ballot",
    "RoomCommand",
    "RoomPresence",
    "RoomProcess",
    "RoomState",
    "SealedBallot",
    "SpeakerRequest",
    "SpeakerStatus",
    "Vote",
    "VoteCast",
    "VoteKind",
    "VoteStatus",
    "VoteThreshold",
]


class RoomState(models.Model):
    """One row per meeting room: its event sequence and what is presented.

    ``seq`` is incremented inside the transaction of every action that
    publishes a room event, so several server processes agree on one order.
    """

    meeting = models.OneToOneField(
        "meetings.Meeting",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="room_state",
    )
    seq = models.PositiveBigIntegerField(default=0)
    #: The person the chair lets present documents (besides the chair).
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    document = models.ForeignKey(
        "documents.Document",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.ForeignKey(
        "documents.DocumentVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    page = models.PositiveIntegerField(default=0)
    #: Optional zoomed region as page fractions: {"x", "y", "w", "h"}.
    region = models.JSONField(null=True, blank=True)
    presented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    presented_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("trạng thái phòng họp")
        verbose_name_plural = _("trạng thái phòng họp")

    def __str__(self) -> str:
        return f"room {self.meeting_id} @ {self.seq}"


class SpeakerStatus(models.TextChoices):
    WAITING = "waiting", _("Đang chờ")
    SPEAKING = "speaking", _("Đang phát biểu")
    DONE = "done", _("Đã phát biểu")
    WITHDRAWN = "withdrawn", _("Đã rút")


class SpeakerRequest(models.Model):
    """A request to speak on an agenda item, and the speech when given."""

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="speaker_requests"
    )
    item = models.ForeignKey(
        "meetings.AgendaItem", on_delete=models.CASCADE, related_name="speaker_requests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=16, choices=SpeakerStatus, default=SpeakerStatus.WAITING
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("đăng ký phát biểu")
        verbose_name_plural = _("đăng ký phát biểu")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "user"],
                condition=Q(status__in=["waiting", "speaking"]),
                name="speaker_one_active_request",
            ),
            models.UniqueConstraint(
                fields=["meeting"],
                condition=Q(status="speaking"),
                name="speaker_one_speaking",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_status_display()}"


class VoteKind(models.TextChoices):
    OPEN = "open", _("Biểu quyết công khai")
    SECRET = "secret", _("Bỏ phiếu kín")


class VoteStatus(models.TextChoices):
    DRAFT = "draft", _("Chuẩn bị")
    OPEN = "open", _("Đang biểu quyết")
    CLOSED = "closed", _("Đã kết thúc")


#: A vote's threshold: a share of all members (accounts.rules).
VoteThreshold = Share


class Vote(models.Model):
    """A question put to the vote on an agenda item.

    ``options`` is a list of ``{"key", "label"}``; the first option is "in
    favour" and the second "against" for the rule. ``result`` is frozen when
    the vote closes (see :func:`meetings.voting.compute_result`).
    """

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="votes"
    )
    item = models.ForeignKey(
        "meetings.AgendaItem",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="votes",
    )
    question = models.CharField(_("Nội dung biểu quyết"), max_length=500)
    kind = models.CharField(
        _("Hình thức"), max_length=16, choices=VoteKind, default=VoteKind.OPEN
    )
    options = models.JSONField(default=list)
    threshold = models.CharField(
        _("Tỷ lệ thông qua"),
        max_length=16,
        choices=VoteThreshold,
        default=VoteThreshold.MAJORITY,
    )
    allow_change = models.BooleanField(_("Cho phép đổi lựa chọn"), default=False)
    status = models.CharField(
        max_length=16, choices=VoteStatus, default=VoteStatus.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True, editable=False)
    #: A secret vote's X25519 public key (32 bytes) while it is open: ballots
    #: are sealed to it. The private key is a file in ``VOTE_KEY_DIR``, never
    #: in the database, destroyed at the close.
    seal_key = models.BinaryField(null=True, blank=True, editable=False)
    # Frozen when the vote opens (accounts.rules): the body's total members,
    # those present, and the quorum they had to reach.
    members = models.PositiveIntegerField(
        _("Tổng số thành viên"), null=True, blank=True, editable=False
    )
    present_at_open = models.PositiveIntegerField(
        _("Số thành viên có mặt khi mở biểu quyết"),
        null=True,
        blank=True,
        editable=False,
    )
    quorum_required = models.PositiveIntegerField(
        _("Số thành viên cần có mặt"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("biểu quyết")
        verbose_name_plural = _("biểu quyết")
        ordering = ["meeting", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting"],
                condition=Q(status="open"),
                name="vote_one_open_per_meeting",
            ),
            models.CheckConstraint(
                condition=~Q(kind="secret") | Q(allow_change=False),
                name="vote_secret_never_changes",
            ),
        ]

    def __str__(self) -> str:
        return self.question

    @property
    def is_secret(self) -> bool:
        return self.kind == VoteKind.SECRET

    def option_keys(self) -> list[str]:
        return [o["key"] for o in self.options]


class VoteCast(models.Model):
    """That a voter voted (and, for open votes only, their choice and receipt).

    Unique per vote and voter: the database refuses a second ballot whatever
    the concurrency. For a secret vote ``option`` and ``receipt`` stay empty.
    ``client_id`` is the id of the command that cast it, so a command re-sent
    after a lost answer is recognised.
    """

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="casts")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cast_at = models.DateTimeField(default=timezone.now)
    option = models.CharField(max_length=32, blank=True)
    receipt = models.CharField(max_length=16, blank=True)
    client_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("lượt bỏ phiếu")
        verbose_name_plural = _("lượt bỏ phiếu")
        constraints = [
            models.UniqueConstraint(fields=["vote", "voter"], name="vote_cast_once")
        ]

    def __str__(self) -> str:
        return f"{self.voter} – {self.vote_id}"


class Ballot(models.Model):
    """What was chosen: an option and a random receipt code, nothing else."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    option = models.CharField(max_length=32)
    receipt = models.CharField(max_length=16, unique=True)

    class Meta:
        verbose_name = _("phiếu")
        verbose_name_plural = _("phiếu")

    def __str__(self) -> str:
        return self.receipt


class SealedBallot(models.Model):
    """A secret ballot while its vote is open: the option and receipt code
    sealed to the vote's public key (``ephemeral key | nonce | AES-GCM``,
    fixed length, randomised), nothing else. Deleted when the vote closes."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="+")
    data = models.BinaryField()

    class Meta:
        verbose_name = _("phiếu kín đã niêm phong")
        verbose_name_plural = _("phiếu kín đã niêm phong")

    def __str__(self) -> str:
        return f"sealed ballot of vote {self.vote_id}"


class RoomCommand(models.Model):
    """The answer to a room command, kept so that a re-sent command (same
    user, client id and type) is answered again instead of being done twice.

    One row per (meeting, user, client id): the same id sent with another
    ``kind`` is refused. Rows older than a day are deleted by the scheduler.
    Secret-ballot casts are never stored here (their receipt must not sit
    next to the voter): :class:`VoteCast` recognises a re-sent cast.
    """

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    client_id = models.CharField(max_length=64)
    #: The command's type (``agenda.goto``, ...).
    kind = models.CharField(max_length=32, default="")
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user", "client_id"], name="room_command_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.client_id}"


class RoomProcess(models.Model):
    """A running server process that holds room sockets, with its heartbeat.

    Presence rows of a process whose heartbeat stopped (a crash, a restart)
    are stale and ignored, then deleted.
    """

    id = models.CharField(primary_key=True, max_length=40)
    started_at = models.DateTimeField(default=timezone.now)
    heartbeat_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.id


class RoomPresence(models.Model):
    """One open socket of a user in a room (several devices count once)."""

    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    process = models.ForeignKey(
        RoomProcess, on_delete=models.CASCADE, related_name="sockets"
    )
    connection = models.CharField(max_length=40, unique=True)
    connected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["meeting", "user"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.meeting_id}"
