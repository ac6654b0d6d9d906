"""A small certificate hierarchy made with ``cryptography``, for the demo and tests.

A real deployment uses the Government CA's certificates (docs/signatures.md);
this builds a stand-in: a root, an intermediate, and end-entity certificates
(EC P-256 keys, fast to make) written as PEM and PKCS#12 files, plus a CRL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class Issued:
    """A certificate with its key, as objects and as files on disk."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    pem: Path
    p12: Path | None = None
    passphrase: str = ""


@dataclass
class Pki:
    """The hierarchy :func:`make_pki` wrote; ``leaves`` by name."""

    root: Issued
    intermediate: Issued
    leaves: dict[str, Issued] = field(default_factory=dict)
    crl: Path | None = None


def _name(common: str, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common))
    return x509.Name(attrs)


def _issue(
    subject: x509.Name,
    *,
    issuer: Issued | None,
    ca: bool,
    not_before: dt.datetime,
    not_after: dt.datetime,
    timestamping: bool = False,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    # The timestamp authority's key is RSA (what TSAs commonly use, and all
    # pyHanko's test timestamper signs with); the others EC P-256.
    key = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if timestamping
        else ec.generate_private_key(ec.SECP256R1())
    )
    signer_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    if ca:
        usage = dict.fromkeys(("digital_signature", "key_cert_sign", "crl_sign"), True)
    else:
        usage = dict.fromkeys(("digital_signature", "content_commitment"), True)
        # A timestamp authority's certificate must carry only (and critically)
        # the timeStamping purpose (RFC 3161).
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.TIME_STAMPING]
                if timestamping
                else [ExtendedKeyUsageOID.EMAIL_PROTECTION]
            ),
            critical=timestamping,
        )
    flags = (
        dict.fromkeys(
            (
                "digital_signature",
                "content_commitment",
                "key_encipherment",
                "data_encipherment",
                "key_agreement",
                "key_cert_sign",
                "crl_sign",
                "encipher_only",
                "decipher_only",
            ),
            False,
        )
        | usage
    )
    builder = builder.add_extension(x509.KeyUsage(**flags), critical=True)
    return builder.sign(signer_key, hashes.SHA256()), key


def _write(directory: Path, stem: str, cert, key, *, passphrase: str, chain) -> Issued:
    pem = directory / f"{stem}.pem"
    pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    p12 = directory / f"{stem}.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            stem.encode(),
            key,
            cert,
            chain,
            serialization.BestAvailableEncryption(passphrase.encode()),
        )
    )
    return Issued(cert=cert, key=key, pem=pem, p12=p12, passphrase=passphrase)


def issue_leaf(
    pki: Pki,
    directory: Path,
    stem: str,
    *,
    name: str,
    org: str,
    passphrase: str = "nghisu",  # noqa: S107 - test and demo keys only
    issuer: Issued | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    timestamping: bool = False,
) -> Issued:
    """Issue an end-entity certificate (by the intermediate unless ``issuer``);
    ``timestamping`` makes it a timestamp authority's."""
    now = dt.datetime.now(dt.UTC)
    parent = issuer or pki.intermediate
    cert, key = _issue(
        _name(name, org),
        issuer=parent,
        ca=False,
        not_before=not_before or now - dt.timedelta(days=1),
        not_after=not_after or now + dt.timedelta(days=365 * 3),
        timestamping=timestamping,
    )
    chain = [parent.cert] + ([pki.root.cert] if parent is pki.intermediate else [])
    leaf = _write(directory, stem, cert, key, passphrase=passphrase, chain=chain)
    pki.leaves[stem] = leaf
    return leaf


def make_pki(directory: Path, *, label: str = "Nghị Sự thử nghiệm") -> Pki:
    """Write a root and an intermediate CA (PEM, PKCS#12) under ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    start, end = now - dt.timedelta(days=30), now + dt.timedelta(days=365 * 10)
    root_cert, root_key = _issue(
        _name(f"CA gốc {label}", label),
        issuer=None,
        ca=True,
        not_before=start,
        not_after=end,
    )
    root = _write(directory, "root", root_cert, root_key, passphrase="nghisu", chain=[])
    mid_cert, mid_key = _issue(
        _name(f"CA trung gian {label}", label),
        issuer=root,
        ca=True,
        not_before=start,
        not_after=end,
    )
    mid = _write(
        directory, "intermediate", mid_cert, mid_key, passphrase="nghisu", chain=[]
    )
    return Pki(root=root, intermediate=mid)


def write_crl(pki: Pki, directory: Path, revoked: list[Issued]) -> Path:
    """Write the intermediate's CRL (DER) listing ``revoked``; return its path."""
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.intermediate.cert.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=30))
    )
    for item in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(item.cert.serial_number)
            .revocation_date(now - dt.timedelta(minutes=30))
            .build()
        )
    crl = builder.sign(pki.intermediate.key, hashes.SHA256())
    path = directory / "intermediate.crl"
    path.write_bytes(crl.public_bytes(serialization.Encoding.DER))
    pki.crl = path
    return path
