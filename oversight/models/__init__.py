"""Oversight by the HĐND: agencies and their officials, questions to officials
(chất vấn) with the live question segment, and voters' petitions (kiến nghị cử
tri). Rows change only through :mod:`oversight.actions`."""

from oversight.models.agencies import Agency, AgencyKind, AgencyOfficial
from oversight.models.petitions import (
    Petition,
    PetitionPeriod,
    PetitionPlace,
    PetitionStatus,
)
from oversight.models.questions import (
    Outcome,
    Phase,
    Question,
    QuestionSegment,
    QuestionSession,
)

__all__ = [
    "Agency",
    "AgencyKind",
    "AgencyOfficial",
    "Outcome",
    "Petition",
    "PetitionPeriod",
    "PetitionPlace",
    "PetitionStatus",
    "Phase",
    "Question",
    "QuestionSegment",
    "QuestionSession",
]
