"""Forms of documents: upload and edit (files are read from request.FILES)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from documents.models import Classification
from submissions.once import OnceForm


class UploadForm(OnceForm):
    body = forms.ModelChoiceField(queryset=None, label=_("Cơ quan"), empty_label=None)
    classification = forms.ChoiceField(
        label=_("Độ mật"),
        choices=Classification.choices,
        initial=Classification.INTERNAL,
    )
    title = forms.CharField(
        label=_("Tiêu đề (để trống: lấy theo tên tệp)"),
        max_length=300,
        required=False,
    )

    def __init__(self, *args, bodies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from accounts.models import Body

        self.fields["body"].queryset = Body.objects.filter(
            pk__in=[b.pk for b in bodies]
        )
        self.fields["body"].choices = [(b.pk, b.name) for b in bodies]


class DocumentEditForm(forms.Form):
    title = forms.CharField(label=_("Tiêu đề"), max_length=300)
    classification = forms.ChoiceField(
        label=_("Độ mật"), choices=Classification.choices
    )
