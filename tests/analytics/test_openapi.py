"""The analytics API as its OpenAPI document describes it."""

from __future__ import annotations

from services.analytics.config import Settings
from services.analytics.main import create_app
from shared.inputs import unbounded_inputs


def test_every_input_of_the_analytics_api_is_bounded() -> None:
    assert unbounded_inputs(create_app(Settings(environment="test")).openapi()) == []


def test_the_summary_documents_its_named_404() -> None:
    operation = create_app(Settings(environment="test")).openapi()["paths"][
        "/members/{member_id}/summary"
    ]["get"]
    example = operation["responses"]["404"]["content"]["application/problem+json"]["example"]
    assert example["type"] == "urn:huiyuan:problem:member-summary-not-found"
