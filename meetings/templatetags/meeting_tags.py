"""Template filters of the meeting pages."""

from django import template

from meetings.models import role_label as _role_label

register = template.Library()


@register.filter
def role_label(participant, meeting) -> str:
    """``{{ p|role_label:meeting }}``: "Thành viên UBND", "Đại biểu HĐND", "Thư ký"…"""
    return _role_label(participant.role, meeting.body.kind)
