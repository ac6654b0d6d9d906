"""Forms of the work pages: they parse input; actions decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import VOTING_POSITIONS, Body, Membership, Unit, User
from submissions.once import OnceForm
from work.models import Opinion

DATETIME_WIDGET = forms.DateTimeInput(
    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
)
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MemberChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user} – {obj.get_position_display()}"


class ConsultationForm(OnceForm):
    title = forms.CharField(label=_("Vấn đề xin ý kiến"), max_length=300)
    question = forms.CharField(
        label=_("Nội dung, đề xuất"), widget=forms.Textarea, required=False
    )
    deadline = forms.DateTimeField(
        label=_("Hạn trả lời"),
        widget=DATETIME_WIDGET,
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
    )
    recipients = MemberChoice(
        label=_("Thành viên được xin ý kiến"),
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, body: Body, **kwargs):
        super().__init__(*args, **kwargs)
        members = (
            Membership.objects.current()
            .filter(body=body, position__in=VOTING_POSITIONS)
            .select_related("user")
            .order_by("position", "user__sort_key")
        )
        self.fields["recipients"].queryset = members
        if not self.is_bound:
            self.initial["recipients"] = [m.pk for m in members]


class AnswerForm(forms.Form):
    opinion = forms.ChoiceField(
        label=_("Ý kiến của đồng chí"),
        choices=Opinion.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Ý kiến cụ thể (nếu có)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )


class AssignmentForm(OnceForm):
    title = forms.CharField(
        label=_("Nội dung nhiệm vụ"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    description = forms.CharField(
        label=_("Yêu cầu cụ thể"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    deadline = forms.DateField(
        label=_("Hạn hoàn thành"),
        widget=DATE_WIDGET,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )
    assignee_kind = forms.ChoiceField(
        label=_("Giao cho"),
        choices=[
            ("body", _("Một cơ quan")),
            ("unit", _("Một địa phương")),
            ("user", _("Một người")),
        ],
        widget=forms.RadioSelect,
        initial="body",
    )
    assignee_body = forms.ModelChoiceField(
        label=_("Cơ quan thực hiện"), queryset=Body.objects.none(), required=False
    )
    assignee_unit = forms.ModelChoiceField(
        label=_("Địa phương thực hiện (Ủy ban nhân dân của địa phương)"),
        queryset=Unit.objects.none(),
        required=False,
    )
    assignee_user = forms.ModelChoiceField(
        label=pgettext_lazy("assignee", "Người thực hiện"),
        queryset=User.objects.none(),
        required=False,
    )
    conclusion = forms.TypedChoiceField(
        label=_("Theo kết luận"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, body: Body, conclusions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee_body"].queryset = Body.objects.select_related(
            "unit"
        ).order_by("unit__level__rank", "unit__name", "name")
        self.fields["assignee_unit"].queryset = Unit.objects.filter(
            bodies__kind="ubnd"
        ).distinct()
        self.fields["assignee_user"].queryset = User.objects.filter(
            is_active=True, memberships__in=Membership.objects.current()
        ).distinct()
        self.fields["conclusion"].choices = [("", _("— Không theo kết luận nào —"))] + [
            (c.pk, f"{c.meeting.title} – {c.item.title}: {c.text[:120]}")
            for c in conclusions
        ]

    @staticmethod
    def initial_from(conclusion) -> dict:
        """The task's text prefilled from ``conclusion``, for the assigner to
        edit: what the handler reads is this text, not the conclusion (which
        shows only to those who may see the meeting)."""
        text = " ".join(conclusion.text.split())
        title = text if len(text) <= 500 else text[:499].rsplit(" ", 1)[0] + "…"
        return {
            "conclusion": conclusion.pk,
            "title": title,
            "description": "" if title == text else conclusion.text,
        }

    def assignee(self) -> dict:
        kind = self.cleaned_data.get("assignee_kind")
        return {
            f"assignee_{k}": self.cleaned_data.get(f"assignee_{k}")
            if k == kind
            else None
            for k in ("body", "unit", "user")
        }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ReportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Loại báo cáo"),
        choices=[
            ("progress", _("Báo cáo tiến độ")),
            ("done", _("Báo cáo hoàn thành (đề nghị nghiệm thu)")),
        ],
        widget=forms.RadioSelect,
        initial="progress",
    )
    text = forms.CharField(
        label=_("Nội dung báo cáo"), widget=forms.Textarea(attrs={"rows": 4})
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accept", _("Nghiệm thu")), ("return", _("Trả lại"))]
    )
    text = forms.CharField(
        label=_("Nhận xét / lý do trả lại"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
