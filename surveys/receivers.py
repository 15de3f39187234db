"""Surveys' answers to ``customers.events`` and ``tickets.events``: survey invitations and
responses, and follow-ups, exported and blanked here. Connected in ``SurveysConfig.ready``;
every receiver runs inside the sender's transaction and tenant scope."""

from customers.events import customer_anonymising, customer_data_export
from tickets.events import ticket_data_erase

from . import privacy


def export_surveys(*, customer_ids: list[int], **_kwargs) -> tuple[str, list]:
    return "surveys", privacy.surveys_section(customer_ids)


def export_follow_ups(*, customer_ids: list[int], **_kwargs) -> tuple[str, list]:
    return "follow_ups", privacy.follow_ups_section(customer_ids)


def blank_ticket_rows(*, ticket_ids: list[int], now, **_kwargs) -> None:
    privacy.ticket_survey_rows_blank(ticket_ids, now)


def blank_person_rows(*, customer_ids: list[int], now, **_kwargs) -> None:
    privacy.person_survey_rows_blank(customer_ids, now)


def connect() -> None:
    for receiver in (export_surveys, export_follow_ups):
        customer_data_export.connect(receiver, dispatch_uid=f"surveys.{receiver.__name__}")
    ticket_data_erase.connect(blank_ticket_rows, dispatch_uid="surveys.blank_ticket_rows")
    customer_anonymising.connect(blank_person_rows, dispatch_uid="surveys.blank_person_rows")
