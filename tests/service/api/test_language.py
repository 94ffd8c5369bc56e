"""The API speaks Danish or English (issue 18): ``Accept-Language`` first, else
``EYES_LANGUAGE``; problem titles and details, pydantic's words, refusals at the edge and a
job's warnings all follow it, and the answer says which it spoke."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from service.api.app import create_app
from service.plans.store import PlanStore

from ..answers import job_end, planned

if TYPE_CHECKING:
    from service.config import Settings
    from service.plans.networks import AreaNetworks

DANISH = {"Accept-Language": "da-DK,da;q=0.9,en;q=0.5"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def _backwards_shift(request: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(request)
    body["shifts"][0]["end_time"] = "16:00"
    body["shifts"][0]["start_time"] = "18:00"
    body["shifts"][1]["start_location"]["lat"] = 500
    return body


def test_a_danish_caller_reads_the_problem_in_danish(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    answer = client.post("/v1/plans", json=_backwards_shift(small_request), headers=DANISH)
    assert answer.status_code == 422
    assert answer.headers["content-language"] == "da"
    assert "accept-language" in answer.headers["vary"].lower()
    problem = answer.json()
    assert problem["title"] == "Ugyldig forespørgsel"
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    assert messages["shifts[1].start_location.lat"] == "Værdien må højst være 90"


def test_a_danish_caller_reads_a_rule_of_the_plan_in_danish(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    body = copy.deepcopy(small_request)
    body["shifts"][0]["end_time"] = "16:00"
    body["shifts"][0]["start_time"] = "18:00"
    danish = client.post("/v1/plans", json=body, headers=DANISH).json()
    english = client.post("/v1/plans", json=body, headers=ENGLISH).json()
    assert danish["errors"][0]["message"] == "vagten slutter kl. 16:00, før den begynder"
    assert english["errors"][0]["message"] == "shift ends at 16:00, before it starts"
    assert danish["detail"].startswith("shifts[0].end_time (guard-1): vagten slutter")


def test_the_same_request_in_english_reads_english(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    answer = client.post("/v1/plans", json=_backwards_shift(small_request), headers=ENGLISH)
    assert answer.headers["content-language"] == "en"
    problem = answer.json()
    assert problem["title"] == "Invalid request"
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    assert messages["shifts[1].start_location.lat"] == "Input should be less than or equal to 90"


def test_without_a_header_the_deployment_language_is_spoken(
    settings: Settings, networks: AreaNetworks
) -> None:
    """EYES_LANGUAGE=da: a caller who names no language (or only others) reads Danish, the
    refusal at the key gate included."""
    danish = settings.model_copy(update={"language": "da"})
    app = create_app(danish, networks=networks, store=PlanStore.from_url(danish.database_url))
    with TestClient(app, raise_server_exceptions=False) as anonymous:
        refused = anonymous.get("/v1/map/plans", headers={"Accept-Language": "fr"})
    assert refused.status_code == 401
    assert refused.headers["content-language"] == "da"
    assert refused.json()["detail"] == "Der kræves en gyldig X-API-Key."


def test_a_job_speaks_the_language_of_the_request_that_queued_it(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """The warnings of a plan made by a worker, after the request has gone, are in the
    caller's language (a plan date in the past warns)."""
    body = copy.deepcopy(small_request)
    body["date"] = "2026-01-05"
    answer = client.post("/v1/plans", json=body, headers={**DANISH, "Prefer": "respond-async"})
    assert answer.status_code == 202, answer.text
    job = job_end(client, answer.headers["location"])
    assert job["state"] == "done", job
    plan = client.get(job["plan"]).json()
    past = [w for w in plan["warnings"] if w["code"] == "past_date"]
    assert past, plan["warnings"]
    assert "ligger i fortiden" in past[0]["message"]


def test_the_files_for_the_staff_speak_the_callers_language(
    client: TestClient, small_request: dict[str, Any]
) -> None:
    """A calendar and a GPX file fetched in Danish describe the stops in Danish; the same
    files in English read English."""
    plan = planned(client, "/v1/plans", small_request)
    busiest = max(plan["routes"], key=lambda route: len(route["stops"]))
    assert len(busiest["stops"]) > 2
    staff = busiest["staff_id"]
    ics = f"/v1/plans/{plan['id']}/staff/{staff}.ics"
    danish = client.get(ics, headers=DANISH).text.replace("\r\n ", "")  # unfolded
    english = client.get(ics, headers=ENGLISH).text.replace("\r\n ", "")
    assert "SUMMARY:Rutens start" in danish
    assert "ankomst" in danish
    assert "SUMMARY:Start of route" in english
    gpx = client.get(f"/v1/plans/{plan['id']}/routes.gpx", headers=DANISH).text
    assert "(dansk tid)" in gpx
