"""Admin of the trust store: the roots and CRLs signatures are verified against.

An administrator uploads a certificate or CRL file; it is parsed in the PDF
worker pool, installed through :mod:`documents.signatures` (audited) and every
signed version is verified again in a task.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from documents import pdf, personal_signing, signatures
from documents.models import RevocationList, SignerCertificate, TrustRoot

MAX_FILE = 1 << 20


class _UploadForm(forms.ModelForm):
    upload = forms.FileField(label=_("Tệp (PEM hoặc DER)"))
    kind = "certificate"

    def clean_upload(self) -> bytes:
        f = self.cleaned_data["upload"]
        if f.size > MAX_FILE:
            raise forms.ValidationError(_("Tệp quá lớn (tối đa 1 MB)."))
        data = f.read()
        try:
            if self.kind == "crl":
                pdf.describe_crl(data)
            else:
                pdf.describe_certificate(data)
        except pdf.PdfError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data


class TrustRootForm(_UploadForm):
    class Meta:
        model = TrustRoot
        fields = ("name",)

    name = forms.CharField(label=_("Tên"), required=False, max_length=300)


class CrlForm(_UploadForm):
    kind = "crl"

    class Meta:
        model = RevocationList
        fields = ()


class _TrustStoreAdmin(admin.ModelAdmin):
    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        self._install(request, form)

    def save_related(self, request, form, formsets, change) -> None:
        """Nothing related to save; the object was installed by the action."""

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        signatures.trust_store_changed(request.user, obj, removed=True)

    def delete_queryset(self, request, queryset) -> None:
        items = list(queryset)
        super().delete_queryset(request, queryset)
        for obj in items:
            signatures.trust_store_changed(request.user, obj, removed=True)


@admin.register(TrustRoot)
class TrustRootAdmin(_TrustStoreAdmin):
    form = TrustRootForm
    list_display = ("name", "subject", "not_after", "added_at")
    readonly_fields = ("sha256",)

    def _install(self, request, form) -> None:
        form.instance = signatures.add_trust_root(
            request.user, form.cleaned_data["upload"], name=form.cleaned_data["name"]
        )


@admin.register(RevocationList)
class RevocationListAdmin(_TrustStoreAdmin):
    form = CrlForm
    list_display = ("issuer", "this_update", "next_update", "entries", "added_at")

    def _install(self, request, form) -> None:
        form.instance = signatures.add_crl(request.user, form.cleaned_data["upload"])


class SignerCertificateForm(_UploadForm):
    class Meta:
        model = SignerCertificate
        fields = ("user",)

    def clean(self):
        cleaned = super().clean()
        data, user = cleaned.get("upload"), cleaned.get("user")
        if data and user:
            sha256 = pdf.describe_certificate(data)["sha256"]
            if (
                SignerCertificate.objects.filter(sha256=sha256)
                .exclude(user=user)
                .exists()
            ):
                raise forms.ValidationError(
                    _("Chứng thư này đã được đăng ký cho người dùng khác.")
                )
        return cleaned


@admin.register(SignerCertificate)
class SignerCertificateAdmin(_TrustStoreAdmin):
    """Register a user's signing certificate (the upload-back flow checks it)."""

    form = SignerCertificateForm
    list_display = ("user", "name", "organisation", "serial", "not_after")
    raw_id_fields = ("user",)

    def _install(self, request, form) -> None:
        form.instance = personal_signing.register_certificate(
            request.user, form.cleaned_data["user"], form.cleaned_data["upload"]
        )

    def delete_model(self, request, obj) -> None:
        personal_signing.remove_certificate(request.user, obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            personal_signing.remove_certificate(request.user, obj)
