"""Forms of the meeting pages: they parse input; actions decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, User
from meetings.models import KINDS_BY_BODY, Answer, MeetingKind, Role
from submissions.once import OnceForm

DATETIME_WIDGET = forms.DateTimeInput(
    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
)


class MeetingForm(OnceForm):
    title = forms.CharField(label=_("Tên cuộc họp"), max_length=300)
    kind = forms.ChoiceField(label=_("Loại cuộc họp"), choices=MeetingKind.choices)
    number = forms.IntegerField(
        label=_("Số thứ tự (kỳ họp thứ …)"), required=False, min_value=1
    )
    starts_at = forms.DateTimeField(label=_("Bắt đầu"), widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label=_("Kết thúc"), widget=DATETIME_WIDGET)
    place = forms.CharField(label=_("Địa điểm"), max_length=300)

    def __init__(self, *args, body=None, **kwargs):
        super().__init__(*args, **kwargs)
        if body is not None:
            allowed = KINDS_BY_BODY.get(body.kind, ())
            self.fields["kind"].choices = [
                (k, label) for k, label in MeetingKind.choices if k in allowed
            ]


def presenter_choices(meeting) -> forms.ModelChoiceField:
    """People of the meeting's unit (any body) who may present an item."""
    users = (
        User.objects.filter(
            is_active=True,
            memberships__in=Membership.objects.current().filter(
                body__unit=meeting.body.unit
            ),
        )
        .distinct()
        .order_by("sort_key", "username")
    )
    return forms.ModelChoiceField(
        queryset=users, required=False, label=_("Người trình bày")
    )


class ItemForm(OnceForm):
    title = forms.CharField(label=_("Tên nội dung"), max_length=500)
    presenter_text = forms.CharField(
        label=_("Cơ quan trình bày"), max_length=300, required=False
    )
    duration_minutes = forms.IntegerField(
        label=_("Thời lượng dự kiến (phút)"),
        required=False,
        min_value=1,
        max_value=1440,
    )
    description = forms.CharField(
        label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presenter"] = presenter_choices(meeting)
        self.order_fields(["title", "presenter", "presenter_text", "duration_minutes"])


class InviteForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=User.objects.none(), label=_("Người được mời")
    )
    role = forms.ChoiceField(
        label=_("Vai trò"), choices=Role.choices, initial=Role.GUEST
    )

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(is_active=True)
            .exclude(participations__meeting=meeting)
            .order_by("sort_key", "username")
        )


class ParticipantForm(forms.Form):
    role = forms.ChoiceField(label=_("Vai trò"), choices=Role.choices)
    voting_right = forms.BooleanField(label=_("Quyền biểu quyết"), required=False)


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[
            (Answer.ACCEPTED, Answer.ACCEPTED.label),
            (Answer.DECLINED, Answer.DECLINED.label),
            (Answer.DELEGATED, Answer.DELEGATED.label),
        ]
    )
    reason = forms.CharField(label=_("Lý do"), required=False, max_length=2000)
    substitute = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label=_("Người dự thay")
    )

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["substitute"].queryset = (
            User.objects.filter(
                is_active=True,
                memberships__in=Membership.objects.current().filter(body=meeting.body),
            )
            .exclude(participations__meeting=meeting)
            .distinct()
            .order_by("sort_key")
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Lý do"), max_length=2000)


class ConclusionForm(forms.Form):
    text = forms.CharField(
        label=_("Kết luận"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
