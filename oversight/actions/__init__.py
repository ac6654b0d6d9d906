"""Every change in oversight, split by sub-domain; import from here.

- :mod:`.questions`: the session's settings, sending, merging, the segment on
  the agenda, publication;
- :mod:`.segment`: the live question segment in the room;
- :mod:`.written`: answers in writing (a work assignment to the official);
- :mod:`.officials`: ending an official's term;
- :mod:`.petitions`: registers, entry, merging, forwarding, answers;
- :mod:`.petition_import`: the Excel import.
"""

from oversight.actions.officials import end_official
from oversight.actions.petition_import import ImportResult, import_petitions
from oversight.actions.petitions import (
    PlaceInput,
    answer_petition,
    create_period,
    create_petitions,
    forward_petitions,
    merge_petitions,
    register_official,
    resolve_petition,
    save_agency,
)
from oversight.actions.petitions import set_public as set_petition_public
from oversight.actions.questions import (
    merge_questions,
    schedule_segment,
    set_question_session,
    submit_question,
)
from oversight.actions.questions import set_public as set_question_public
from oversight.actions.segment import (
    answer_in_writing,
    call_from_floor,
    call_question,
    extend_time,
    finish_question,
    skip_question,
    start_answer,
    start_followup,
)
from oversight.actions.written import request_written_answer, submit_written_answer

__all__ = [
    "ImportResult",
    "PlaceInput",
    "answer_in_writing",
    "answer_petition",
    "call_from_floor",
    "call_question",
    "create_period",
    "create_petitions",
    "end_official",
    "extend_time",
    "finish_question",
    "forward_petitions",
    "import_petitions",
    "merge_petitions",
    "merge_questions",
    "register_official",
    "request_written_answer",
    "resolve_petition",
    "save_agency",
    "schedule_segment",
    "set_petition_public",
    "set_question_public",
    "set_question_session",
    "skip_question",
    "start_answer",
    "start_followup",
    "submit_question",
    "submit_written_answer",
]
