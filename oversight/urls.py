from django.urls import include, path

from oversight.views import agencies, petitions, questions, reports, segment

patterns = [
    path("", petitions.index, name="index"),
    path("public/", petitions.public_answers, name="public"),
    # agencies (their administrators)
    path("agencies/<int:agency_id>/", agencies.agency_detail, name="agency_detail"),
    path(
        "agencies/<int:agency_id>/officials/",
        agencies.official_register,
        name="official_register",
    ),
    path(
        "agencies/<int:agency_id>/officials/<int:official_id>/end/",
        agencies.official_end,
        name="official_end",
    ),
    # questions
    path(
        "meetings/<int:meeting_id>/questions/",
        questions.meeting_questions,
        name="meeting_questions",
    ),
    path(
        "meetings/<int:meeting_id>/questions/settings/",
        questions.session_settings,
        name="session_settings",
    ),
    path(
        "meetings/<int:meeting_id>/questions/new/",
        questions.question_new,
        name="question_new",
    ),
    path(
        "meetings/<int:meeting_id>/questions/merge/",
        questions.question_merge,
        name="question_merge",
    ),
    path(
        "meetings/<int:meeting_id>/questions/segment/",
        questions.segment_new,
        name="segment_new",
    ),
    path(
        "meetings/<int:meeting_id>/questions/report.pdf",
        reports.questions_pdf,
        name="questions_pdf",
    ),
    path(
        "meetings/<int:meeting_id>/questions/report.xlsx",
        reports.questions_xlsx,
        name="questions_xlsx",
    ),
    path(
        "questions/<int:question_id>/",
        questions.question_detail,
        name="question_detail",
    ),
    path(
        "questions/<int:question_id>/written/",
        questions.question_written,
        name="question_written",
    ),
    path(
        "questions/<int:question_id>/answer/",
        questions.question_answer,
        name="question_answer",
    ),
    path(
        "questions/<int:question_id>/public/",
        questions.question_public,
        name="question_public",
    ),
    # the live segment
    path(
        "segments/<int:segment_id>/state", segment.segment_state, name="segment_state"
    ),
    path(
        "segments/<int:segment_id>/<slug:op>/",
        segment.segment_control,
        name="segment_control",
    ),
    # petitions
    path(
        "bodies/<int:body_id>/petitions/new/", petitions.period_new, name="period_new"
    ),
    path(
        "petitions/periods/<int:period_id>/",
        petitions.period_detail,
        name="period_detail",
    ),
    path(
        "petitions/periods/<int:period_id>/new/",
        petitions.petition_new,
        name="petition_new",
    ),
    path(
        "petitions/periods/<int:period_id>/import/",
        petitions.petition_import,
        name="petition_import",
    ),
    path(
        "petitions/periods/<int:period_id>/merge/",
        petitions.petition_merge,
        name="petition_merge",
    ),
    path(
        "petitions/periods/<int:period_id>/forward/",
        petitions.petition_forward,
        name="petition_forward",
    ),
    path(
        "petitions/periods/<int:period_id>/report.pdf",
        reports.petitions_pdf,
        name="petitions_pdf",
    ),
    path(
        "petitions/periods/<int:period_id>/report.xlsx",
        reports.petitions_xlsx,
        name="petitions_xlsx",
    ),
    path(
        "petitions/<int:petition_id>/",
        petitions.petition_detail,
        name="petition_detail",
    ),
    path(
        "petitions/<int:petition_id>/answer/",
        petitions.petition_answer,
        name="petition_answer",
    ),
    path(
        "petitions/<int:petition_id>/resolve/",
        petitions.petition_resolve,
        name="petition_resolve",
    ),
    path(
        "petitions/<int:petition_id>/public/",
        petitions.petition_public,
        name="petition_public",
    ),
]

urlpatterns = [path("oversight/", include((patterns, "oversight")))]
