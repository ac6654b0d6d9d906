""" "Chứng thư số của tôi": a user registers and removes their own signing
certificates (the personal signing flow accepts only signatures made with one).

Thin views over :mod:`documents.personal_signing`; another user's certificate
is a 404. See docs/signatures.md.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from documents import pdf, personal_signing
from documents.models import SignerCertificate
from nghisu.errors import ActionError, NotFound

MAX_FILE = 1 << 20


class CertificateUploadForm(forms.Form):
    upload = forms.FileField(
        label=gettext_lazy("Tệp chứng thư (.cer, .crt, .pem)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".cer,.crt,.pem,.der"}),
    )

    def clean_upload(self) -> bytes:
        f = self.cleaned_data["upload"]
        if f.size > MAX_FILE:
            raise forms.ValidationError(_("Tệp quá lớn (tối đa 1 MB)."))
        return f.read()


def _describe(cert: SignerCertificate) -> dict:
    """The certificate's subject, issuer, validity and serial, read from it."""
    try:
        info = pdf.describe_certificate(bytes(cert.der))
    except pdf.PdfError:
        info = {"subject": cert.name, "issuer": "", "serial": cert.serial}
    return {
        "cert": cert,
        "subject": info.get("dn") or info.get("subject") or cert.name,
        "issuer": info.get("issuer", ""),
        "serial": info.get("serial") or cert.serial,
        "not_before": parse_datetime(info["not_before"])
        if info.get("not_before")
        else None,
        "not_after": cert.not_after,
    }


@login_required
@require_http_methods(["GET", "POST"])
def my_certificates(request):
    """List the user's signing certificates; POST registers an uploaded one."""
    form = CertificateUploadForm()
    if request.method == "POST":
        form = CertificateUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                cert = personal_signing.register_certificate(
                    request.user, request.user, form.cleaned_data["upload"]
                )
            except ActionError as exc:
                form.add_error("upload", exc.message)
            else:
                messages.success(
                    request,
                    _("Đã đăng ký chứng thư “%(name)s”.") % {"name": cert.name},
                )
                return redirect("my_certificates")
    certificates = [
        _describe(c) for c in SignerCertificate.objects.filter(user=request.user)
    ]
    return render(
        request,
        "documents/certificates_mine.html",
        {"form": form, "certificates": certificates},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def remove_certificate(request, cert_id: int):
    """Remove one of the user's certificates (anyone else's is a 404)."""
    cert = SignerCertificate.objects.filter(pk=cert_id, user=request.user).first()
    if cert is None:
        raise NotFound()
    personal_signing.remove_certificate(request.user, cert)
    messages.success(request, _("Đã gỡ chứng thư “%(name)s”.") % {"name": cert.name})
    return redirect("my_certificates")
