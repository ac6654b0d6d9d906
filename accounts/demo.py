"""Demo people, units and bodies of Sơn La province, made through the real actions.

Every function here is idempotent: it finds what exists and creates only what is
missing, so ``seed_demo`` can run any number of times with the same result.
"""

from __future__ import annotations

import datetime
import functools
import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from accounts import actions
from accounts.models import Body, BodyKind, Membership, Position, Unit, UnitLevel, User

DEMO_PASSWORD = "nghisu-demo"
TERM_START = datetime.date(2021, 7, 1)  # the 2021–2026 term of People's Councils

_FAMILY = [
    "Nguyễn",
    "Lò",
    "Cầm",
    "Quàng",
    "Lường",
    "Hà",
    "Tòng",
    "Vì",
    "Đinh",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Bùi",
    "Đặng",
    "Giàng",
    "Mùa",
    "Sồng",
    "Lù",
    "Điêu",
]
_MIDDLE_M = ["Văn", "Đức", "Minh", "Quang", "Xuân", "Thanh", "A"]
_MIDDLE_F = ["Thị", "Thị Thu", "Thị Hồng", "Thị Thanh", "Ngọc"]
_GIVEN_M = [
    "Hùng",
    "Dũng",
    "Thắng",
    "Cường",
    "Khánh",
    "Lực",
    "Pọm",
    "Chiến",
    "Sơn",
    "Tuấn",
    "Quyết",
    "Thuận",
    "Nghĩa",
    "Đông",
    "Việt",
    "Hưởng",
    "Tĩnh",
    "Sáng",
]
_GIVEN_F = [
    "Hường",
    "Lan",
    "Mai",
    "Hạnh",
    "Thủy",
    "Nga",
    "Oanh",
    "Yến",
    "Phương",
    "Hiền",
    "Liên",
    "Xuân",
    "Ánh",
    "Dung",
]


def demo_name(seed: str) -> str:
    """A realistic Vietnamese (Kinh, Thái, H'Mông) full name, fixed by ``seed``."""
    rng = random.Random(seed)
    family = rng.choice(_FAMILY)
    if rng.random() < 0.45:
        return f"{family} {rng.choice(_MIDDLE_F)} {rng.choice(_GIVEN_F)}"
    return f"{family} {rng.choice(_MIDDLE_M)} {rng.choice(_GIVEN_M)}"


@dataclass(frozen=True)
class Seat:
    username: str
    full_name: str
    position: str
    title: str = ""


def ensure_user(seat: Seat, *, is_superuser: bool = False) -> User:
    user = User.objects.filter(username=seat.username).first()
    if user is None:
        user = actions.create_user(
            seat.username,
            full_name=seat.full_name,
            password=None,
            email=f"{seat.username}@sonla.example",
            title=seat.title,
            is_superuser=is_superuser,
        )
        # One hash serves every demo account: hashing ~100 times takes 20 s.
        user.password = _demo_password_hash()
        user.save(update_fields=["password"])
    return user


@functools.lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)


def ensure_level(code: str, name: str, rank: int) -> UnitLevel:
    level, _ = UnitLevel.objects.get_or_create(
        code=code, defaults={"name": name, "rank": rank}
    )
    return level


def ensure_unit(name: str, code: str, level: UnitLevel, parent: Unit | None) -> Unit:
    return Unit.objects.filter(code=code).first() or actions.create_unit(
        name, code=code, level=level, parent=parent
    )


def ensure_body(unit: Unit, kind: str, name: str, **extra) -> Body:
    return Body.objects.filter(unit=unit, name=name).first() or actions.create_body(
        unit, kind=kind, name=name, **extra
    )


def ensure_seats(body: Body, seats: list[Seat]) -> None:
    for seat in seats:
        user = ensure_user(seat)
        if not Membership.objects.filter(user=user, body=body).exists():
            actions.add_membership(
                body, user, position=seat.position, start_date=TERM_START
            )


def seed_people() -> dict[str, Body]:
    """Create Sơn La, two of its wards and communes, their bodies and members."""
    province_level = ensure_level("tinh", "Tỉnh", 1)
    ward_level = ensure_level("phuong", "Phường", 2)
    commune_level = ensure_level("xa", "Xã", 2)
    son_la = ensure_unit("Tỉnh Sơn La", "14", province_level, None)
    to_hieu = ensure_unit("Phường Tô Hiệu", "03646", ward_level, son_la)
    ensure_unit("Xã Mường Bú", "04018", commune_level, son_la)

    ensure_user(
        Seat("admin", "Quản trị hệ thống", "", "Quản trị viên"), is_superuser=True
    )

    hdnd = ensure_body(
        son_la, BodyKind.HDND, "Hội đồng nhân dân tỉnh Sơn La", short_name="HĐND tỉnh"
    )
    delegates = [
        Seat(
            f"daibieu{i:02d}",
            demo_name(f"daibieu{i:02d}"),
            Position.MEMBER,
            "Đại biểu HĐND tỉnh",
        )
        for i in range(1, 56)
    ]
    ensure_seats(
        hdnd,
        [
            Seat("chutoa", "Nguyễn Thái Hưng", Position.CHAIR, "Chủ tịch HĐND tỉnh"),
            Seat(
                "thuky",
                "Lò Thị Hường",
                Position.SECRETARY,
                "Chuyên viên Văn phòng Đoàn ĐBQH và HĐND tỉnh",
            ),
            *delegates,
        ],
    )
    standing = ensure_body(
        son_la,
        BodyKind.THUONG_TRUC,
        "Thường trực HĐND tỉnh Sơn La",
        short_name="TT HĐND tỉnh",
        parent=hdnd,
    )
    ensure_seats(
        standing,
        [
            Seat("chutoa", "", Position.CHAIR),
            Seat("daibieu02", "", Position.VICE_CHAIR),
            Seat("daibieu03", "", Position.VICE_CHAIR),
            Seat("thuky", "", Position.SECRETARY),
        ],
    )
    economy = ensure_body(
        son_la,
        BodyKind.BAN,
        "Ban Kinh tế - Ngân sách HĐND tỉnh Sơn La",
        short_name="Ban KT-NS",
        parent=hdnd,
    )
    ensure_seats(
        economy,
        [
            Seat("daibieu04", "", Position.CHAIR),
            *[Seat(f"daibieu{i:02d}", "", Position.MEMBER) for i in range(5, 11)],
        ],
    )

    ubnd = ensure_body(
        son_la, BodyKind.UBND, "Ủy ban nhân dân tỉnh Sơn La", short_name="UBND tỉnh"
    )
    ensure_seats(
        ubnd,
        [
            Seat("chutich", "Hoàng Quốc Khánh", Position.CHAIR, "Chủ tịch UBND tỉnh"),
            *[
                Seat(
                    f"thanhvien{i:02d}",
                    demo_name(f"thanhvien{i:02d}"),
                    Position.VICE_CHAIR if i in (3, 4) else Position.MEMBER,
                    "Phó Chủ tịch UBND tỉnh" if i in (3, 4) else "Ủy viên UBND tỉnh",
                )
                for i in range(1, 13)
            ],
            Seat(
                "vanphong",
                "Cầm Thị Thu Trang",
                Position.SECRETARY,
                "Chuyên viên Văn phòng UBND tỉnh",
            ),
        ],
    )

    ward_hdnd = ensure_body(
        to_hieu,
        BodyKind.HDND,
        "Hội đồng nhân dân phường Tô Hiệu",
        short_name="HĐND phường",
    )
    ensure_seats(
        ward_hdnd,
        [
            Seat(
                "tohieu_chutoa",
                demo_name("tohieu_chutoa"),
                Position.CHAIR,
                "Chủ tịch HĐND phường",
            ),
            Seat(
                "tohieu_thuky",
                demo_name("tohieu_thuky"),
                Position.SECRETARY,
                "Công chức Văn phòng HĐND và UBND phường",
            ),
            *[
                Seat(
                    f"tohieu_daibieu{i:02d}",
                    demo_name(f"tohieu_daibieu{i:02d}"),
                    Position.MEMBER,
                    "Đại biểu HĐND phường",
                )
                for i in range(1, 8)
            ],
        ],
    )
    ward_ubnd = ensure_body(
        to_hieu,
        BodyKind.UBND,
        "Ủy ban nhân dân phường Tô Hiệu",
        short_name="UBND phường",
    )
    ensure_seats(
        ward_ubnd,
        [
            Seat(
                "tohieu_chutich",
                demo_name("tohieu_chutich"),
                Position.CHAIR,
                "Chủ tịch UBND phường",
            ),
            *[
                Seat(
                    f"tohieu_thanhvien{i:02d}",
                    demo_name(f"tohieu_thanhvien{i:02d}"),
                    Position.MEMBER,
                    "Ủy viên UBND phường",
                )
                for i in range(1, 5)
            ],
            Seat(
                "tohieu_vanphong",
                demo_name("tohieu_vanphong"),
                Position.SECRETARY,
                "Công chức Văn phòng HĐND và UBND phường",
            ),
        ],
    )
    return {
        "hdnd": hdnd,
        "standing": standing,
        "economy": economy,
        "ubnd": ubnd,
        "ward_hdnd": ward_hdnd,
        "ward_ubnd": ward_ubnd,
    }


LOGINS = [
    ("admin", "Quản trị hệ thống (superuser)"),
    ("thuky", "Thư ký HĐND tỉnh"),
    ("chutoa", "Chủ tịch HĐND tỉnh, chủ tọa kỳ họp"),
    ("daibieu01 … daibieu55", "Đại biểu HĐND tỉnh"),
    ("chutich", "Chủ tịch UBND tỉnh"),
    ("thanhvien01 … thanhvien12", "Thành viên UBND tỉnh"),
    ("vanphong", "Văn phòng UBND tỉnh (thư ký)"),
    ("tohieu_chutoa, tohieu_chutich, …", "HĐND và UBND phường Tô Hiệu"),
    (
        "giamdoc_yte, giamdoc_giaoduc, giamdoc_nongnghiep",
        "Giám đốc Sở (trả lời chất vấn, kiến nghị)",
    ),
]
