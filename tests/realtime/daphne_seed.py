"""Seed a database for the Daphne tests (run as ``python -m``): the named cast,
a running HĐND meeting, everyone with a voting right checked in, and a session
cookie per person. Prints one line of JSON."""

from __future__ import annotations

import argparse
import datetime
import json
import tempfile
from pathlib import Path

import django


def _document(secretary, body):
    """A processed three-page agenda document, made through documents.actions."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents import actions, pdf

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "to-trinh.pdf"
        pdf.make_demo_pdf(
            path,
            title="TỜ TRÌNH về dự toán ngân sách địa phương năm 2026",
            paragraphs=["Kính trình Hội đồng nhân dân tỉnh xem xét, quyết định."] * 30,
            pages=3,
            heading_lines=["ỦY BAN NHÂN DÂN", "TỈNH SƠN LA"],
        )
        upload = SimpleUploadedFile(
            "to-trinh.pdf", path.read_bytes(), content_type="application/pdf"
        )
    document = actions.create_document(
        secretary,
        body=body,
        title="Tờ trình dự toán ngân sách 2026",
        uploaded_file=upload,
    )
    document.refresh_from_db()
    return document


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--password", default=None)
    parser.add_argument("--document", action="store_true")
    parser.add_argument(
        "--voters", type=int, default=6, help="members besides the cast"
    )
    args = parser.parse_args()
    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts import actions
    from accounts.models import BodyKind, Position, UnitLevel
    from tests.realtime.rooms import build_room, check_in

    start = datetime.date(2021, 7, 1)
    level = UnitLevel.objects.create(code="tinh", name="Tỉnh", rank=1)
    province = actions.create_unit("Tỉnh Sơn La", code="14", level=level)
    hdnd = actions.create_body(province, kind=BodyKind.HDND, name="HĐND tỉnh Sơn La")

    def person(username, full_name, position=None):
        user = actions.create_user(
            username, full_name=full_name, password=args.password
        )
        if position:
            actions.add_membership(hdnd, user, position=position, start_date=start)
        return user

    class Cast:
        pass

    cast = Cast()
    cast.hdnd = hdnd
    cast.chair = person("chutoa", "Nguyễn Thái Hưng", Position.CHAIR)
    cast.secretary = person("thuky", "Lò Thị Hường", Position.SECRETARY)
    cast.delegate = person("daibieu01", "Cầm Văn Đông", Position.MEMBER)
    cast.delegate2 = person("daibieu02", "Quàng Thị Ánh", Position.MEMBER)
    voters = [
        person(f"daibieu{n:02d}", f"Đại biểu số {n}", Position.MEMBER)
        for n in range(3, 3 + args.voters)
    ]
    document = _document(cast.secretary, hdnd) if args.document else None
    room = build_room(cast, with_document=document)
    for user in [cast.chair, cast.delegate, cast.delegate2, *voters]:
        check_in(cast.secretary, room.meeting, user)
    cookies = {}
    for user in [cast.chair, cast.secretary, cast.delegate, cast.delegate2, *voters]:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        cookies[user.username] = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    print(
        json.dumps(
            {
                "meeting": room.meeting.pk,
                "items": [i.pk for i in room.items],
                "cookies": cookies,
                "voters": [
                    u.username
                    for u in [cast.chair, cast.delegate, cast.delegate2, *voters]
                ],
            }
        )
    )


if __name__ == "__main__":
    main()
