"""The law on sessions and decisions of a body, written once.

Law on the Organisation of Local Government (2025):

- HĐND: "Kỳ họp Hội đồng nhân dân chỉ được tiến hành khi có ít nhất hai phần ba
  tổng số đại biểu Hội đồng nhân dân tham gia"; a resolution passes when "quá
  nửa tổng số đại biểu Hội đồng nhân dân biểu quyết tán thành", two thirds for
  the matters the law names.
- UBND: "Phiên họp Ủy ban nhân dân chỉ được tiến hành khi có ít nhất hai phần ba
  tổng số thành viên Ủy ban nhân dân tham gia"; "Quyết định của Ủy ban nhân dân
  phải được quá nửa tổng số thành viên Ủy ban nhân dân biểu quyết tán thành;
  trường hợp biểu quyết ngang nhau thì quyết định theo ý kiến mà Chủ tịch Ủy ban
  nhân dân đã biểu quyết."

The numbers are data on the body (:class:`accounts.models.Body`: quorum rule,
passing rule, whether the chair's side decides a tie), each empty field taking
the default of the body's kind (:data:`KIND_DEFAULTS`). Votes, the quorum shown
in the room, the counting record, the minutes and written consultations all ask
this module; nothing else writes a threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from accounts.models import Body, BodyKind, Share

#: Per kind: (quorum, ordinary passing rule, the chair's side decides a tie).
KIND_DEFAULTS: dict[str, tuple[str, str, bool]] = {
    BodyKind.HDND: (Share.TWO_THIRDS, Share.MAJORITY, False),
    BodyKind.UBND: (Share.TWO_THIRDS, Share.MAJORITY, True),
    BodyKind.THUONG_TRUC: (Share.TWO_THIRDS, Share.MAJORITY, False),
    BodyKind.BAN: (Share.TWO_THIRDS, Share.MAJORITY, False),
}

#: How the chair voted, for a tie: in favour, against, abstained, did not vote,
#: or unknown (a secret ballot).
CHAIR_FOR, CHAIR_AGAINST, CHAIR_ABSTAINED, CHAIR_NOT_VOTING, CHAIR_UNKNOWN = (
    "for",
    "against",
    "abstained",
    "not_voting",
    "unknown",
)

#: The label of a decided tie, by the chair's side (stored in results).
TIE_BREAKS = {
    CHAIR_FOR: "chair_in_favour",
    CHAIR_AGAINST: "chair_against",
    CHAIR_ABSTAINED: "chair_abstained",
    CHAIR_NOT_VOTING: "chair_not_voting",
    CHAIR_UNKNOWN: "secret",
}


@dataclass(frozen=True)
class BodyRules:
    """The rules in force for one body."""

    quorum: str
    passing: str
    chair_decides_tie: bool


def rules_for(body: Body) -> BodyRules:
    """The body's rules: its own fields, or its kind's defaults where empty."""
    quorum, passing, tie = KIND_DEFAULTS.get(body.kind, KIND_DEFAULTS[BodyKind.HDND])
    return BodyRules(
        quorum=body.quorum_rule or quorum,
        passing=body.passing_rule or passing,
        chair_decides_tie=tie
        if body.chair_decides_tie is None
        else body.chair_decides_tie,
    )


def share_of(total: int, share: str) -> int:
    """How many of ``total`` make the share: more than half is floor(N/2)+1,
    at least two thirds is ceil(2N/3)."""
    if share == Share.TWO_THIRDS:
        return math.ceil(total * 2 / 3)
    return total // 2 + 1


def quorum_required(body: Body, members: int) -> int:
    """Members who must be present for the session or meeting to be held."""
    return share_of(members, rules_for(body).quorum)


def stricter(a: str, b: str) -> str:
    return Share.TWO_THIRDS if Share.TWO_THIRDS in (a, b) else Share.MAJORITY


def required_in_favour(body: Body, members: int, threshold: str) -> int:
    """Votes in favour needed: the vote's threshold (chosen when it is
    prepared) or the body's passing rule, whichever is stricter."""
    return share_of(members, stricter(threshold, rules_for(body).passing))


@dataclass(frozen=True)
class Decision:
    """A decision by the body's rule."""

    members: int
    required: int
    in_favour: int
    against: int
    passed: bool
    tie: bool
    tie_break: str | None  # a :data:`TIE_BREAKS` value, when the chair decides

    def as_dict(self) -> dict[str, object]:
        return {
            "members": self.members,
            "required": self.required,
            "in_favour": self.in_favour,
            "against": self.against,
            "passed": self.passed,
            "tie": self.tie,
            "tie_break": self.tie_break,
        }


def decide(
    body: Body,
    *,
    members: int,
    in_favour: int,
    against: int,
    threshold: str = Share.MAJORITY,
    chair: str = CHAIR_NOT_VOTING,
) -> Decision:
    """Apply the rule: passed when those in favour reach the share of **all**
    ``members``. A tie is equal numbers for and against (at least one each).

    Where the chair's side decides (UBND), it decides only the tie the law
    speaks of next to "more than half of all members": a simple-majority
    decision on which all the members split evenly for and against (half each).
    Then it passes only if the chair voted in favour (``chair``: one of the
    ``CHAIR_*`` values; ``CHAIR_UNKNOWN`` in a secret ballot, which cannot
    decide and does not pass). A tie short of half the members (abstentions,
    members not voting) or on a two-thirds matter cannot make a valid decision
    and is recorded as not passed, with no chair's side (``tie_break`` None)."""
    required = required_in_favour(body, members, threshold)
    passed = members > 0 and in_favour >= required
    tie = in_favour > 0 and in_favour == against
    tie_break = None
    decidable = (
        in_favour * 2 == members
        and stricter(threshold, rules_for(body).passing) == Share.MAJORITY
    )
    if tie and not passed and decidable and rules_for(body).chair_decides_tie:
        tie_break = TIE_BREAKS.get(chair, TIE_BREAKS[CHAIR_NOT_VOTING])
        passed = chair == CHAIR_FOR
    return Decision(
        members=members,
        required=required,
        in_favour=in_favour,
        against=against,
        passed=bool(passed),
        tie=tie,
        tie_break=tie_break,
    )


def quorum_message(present: int, members: int, required: int) -> str:
    """The Vietnamese refusal below quorum, with the counts."""
    from django.utils.translation import gettext as _

    return _(
        "Không đủ số thành viên tham dự theo quy định. "
        "Có mặt %(present)s/%(members)s, cần %(required)s."
    ) % {"present": present, "members": members, "required": required}


def tie_explanation(tie_break: str | None, *, against: int, in_favour: int) -> str:
    """Why a tie (equal numbers for and against) was decided as it was, in
    Vietnamese: one sentence for the counting record, the minutes and reports."""
    from django.utils.translation import gettext as _

    texts = {
        "chair_in_favour": _(
            "Biểu quyết ngang nhau (%(yes)s tán thành, %(no)s không tán thành); "
            "quyết định theo ý kiến mà Chủ tịch đã biểu quyết: tán thành, "
            "nên được thông qua."
        ),
        "chair_against": _(
            "Biểu quyết ngang nhau (%(yes)s tán thành, %(no)s không tán thành); "
            "quyết định theo ý kiến mà Chủ tịch đã biểu quyết: không tán thành, "
            "nên không được thông qua."
        ),
        "chair_abstained": _(
            "Biểu quyết ngang nhau (%(yes)s tán thành, %(no)s không tán thành); "
            "Chủ tịch không biểu quyết tán thành nên không được thông qua."
        ),
        "chair_not_voting": _(
            "Biểu quyết ngang nhau (%(yes)s tán thành, %(no)s không tán thành); "
            "Chủ tịch không tham gia biểu quyết nên không được thông qua."
        ),
        "secret": _(
            "Biểu quyết ngang nhau (%(yes)s tán thành, %(no)s không tán thành); "
            "bỏ phiếu kín nên không xác định được ý kiến của Chủ tịch: "
            "không được thông qua."
        ),
    }
    text = texts.get(
        tie_break or "",
        _(
            "Biểu quyết ngang nhau (%(yes)s tán thành, %(no)s không tán thành); "
            "không đủ số phiếu tán thành theo quy định nên không được thông qua."
        ),
    )
    return text % {"yes": in_favour, "no": against}
