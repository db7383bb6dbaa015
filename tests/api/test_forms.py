"""The form operations over HTTP, signed like a real client, every answer checked against the
contract (XML ones too): the demo's seeded forms, results posted as JSON and as the forms
plugins' XML ``params`` document, the contact a sign-up creates or updates, the form results
and the contact's form history, snapshots and reset."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from tests.plugins.simulator import Sim

SIGNUP = 3101  # subscribe: email (required, -> email), firstName (-> firstName)
SURVEY = 3102  # satisfaction (radio 1-5, required), topics (checkbox), orders (number), comments
ANNA = "anna.devries@example.com"  # contact 1001 (webshop) / CRM-501 (crm)
XML = {"Content-Type": "application/xml", "Accept": "application/xml"}


def submit(api: httpx.Client, form_id: int, **values: list[str]) -> httpx.Response:
    body = {"postUrl": "https://shop.example/thanks", "formParams": values}
    return api.post(f"/form/result/{form_id}", json=body)


def params_xml(values: dict[str, list[str]], post_url: str = "https://shop.example/f") -> bytes:
    """The document both forms plugins post."""
    entries = "".join(
        f"<entry><key>{key}</key><value>{''.join(f'<item>{v}</item>' for v in items)}</value>"
        f"</entry>"
        for key, items in values.items()
    )
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><params><postUrl>{post_url}</postUrl>"
        f"<outputMode>DIV</outputMode><outputFormat>XHTML1STRICT</outputFormat>"
        f"<formParams>{entries}</formParams></params>"
    ).encode()


def history(sim: Sim, external_id: str = "1001", who: str = "webshop") -> list[dict[str, Any]]:
    with sim.client(who) as api:
        response = api.get(f"/contact/{external_id}/forms")
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["formHistories"]
    return rows


# ---- list and render -------------------------------------------------------------------------


def test_the_list_shows_the_seeded_forms(sim: Sim) -> None:
    with sim.client() as api:
        everything = api.get("/form/list").json()
        subscribe = api.get("/form/list", params={"formSubType": "subscribe"}).json()
        drafts = api.get("/form/list", params={"formState": "draft"}).json()
    assert everything == [
        {
            "id": SIGNUP,
            "name": "Newsletter sign-up",
            "formSubType": "subscribe",
            "formState": "final",
        },
        {"id": SURVEY, "name": "Short survey", "formSubType": "normal", "formState": "final"},
    ]
    assert [f["id"] for f in subscribe] == [SIGNUP]
    assert drafts == []


def test_another_account_has_no_forms_of_demo(sim: Sim) -> None:
    with sim.client("shared-webshop") as api:
        assert api.get("/form/list").json() == []
        response = api.get(f"/form/{SIGNUP}", params={"postUrl": "https://x.example"})
    assert response.status_code == 404
    assert response.json()["errorType"] == "FORM_NOT_FOUND"


def test_a_form_renders_with_its_fields_posting_to_the_page(sim: Sim) -> None:
    with sim.client() as api:
        response = api.get(
            f"/form/{SURVEY}",
            params={"postUrl": "https://shop.example/survey", "outputMode": "DIV", "rest": "1"},
        )
    assert response.status_code == 200
    body = response.json()
    assert body["isConfirmationPage"] is False
    assert 'action="https://shop.example/survey"' in body["html"]
    assert '<div class="mpFormField">' in body["html"] and "<table>" not in body["html"]
    for name in ("satisfaction", "topics", "orders", "comments"):
        assert f'name="{name}"' in body["html"]
    assert "satisfaction" in body["script"]


def test_an_enc_id_prefills_the_contact_and_xhtml_closes_its_tags(sim: Sim) -> None:
    (anna,) = [c for c in sim.snapshot()["contacts"] if c["properties"].get("email") == ANNA]
    with sim.client() as api:
        response = api.get(
            f"/form/{SIGNUP}",
            params={
                "postUrl": "https://shop.example/nl",
                "encId": anna["encryptedId"],
                "outputFormat": "XHTML1STRICT",
            },
        )
    assert response.status_code == 200
    markup = response.json()["html"]
    assert f'value="{ANNA}"' in markup and 'value="Anna"' in markup
    assert "/>" in markup and "<table>" in markup


def test_post_form_renders_with_prefilled_values(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post(
            f"/form/{SIGNUP}",
            json={"postUrl": "https://shop.example/nl", "prefilledValues": {"firstName": ["Bo"]}},
        )
        missing = api.post("/form/9", json={"postUrl": "https://shop.example/nl"})
    assert response.status_code == 200
    assert 'value="Bo"' in response.json()["html"]
    assert missing.status_code == 404 and missing.json()["errorType"] == "FORM_NOT_FOUND"


def test_an_unknown_form_is_form_not_found_and_says_where_to_look(sim: Sim) -> None:
    with sim.client() as api:
        response = api.get("/form/9", params={"postUrl": "https://x.example"})
    assert response.status_code == 404
    assert response.json()["errorType"] == "FORM_NOT_FOUND"
    assert "GET /form/list" in response.json()["message"]


def test_get_form_needs_a_post_url(sim: Sim) -> None:
    with sim.client() as api:
        response = api.get(f"/form/{SIGNUP}")
    assert response.status_code == 400
    assert "postUrl" in response.json()["message"]


# ---- submitting ------------------------------------------------------------------------------


def test_a_sign_up_updates_the_contact_and_shows_in_its_history(sim: Sim) -> None:
    with sim.client() as api:
        response = submit(api, SIGNUP, email=[ANNA], firstName=["Annie"])
        contact = api.get("/contact/1001").json()
    assert response.status_code == 200
    assert response.json() == {
        "html": "<p>Thanks for signing up! Check your inbox to confirm.</p>",
        "script": "",
        "isConfirmationPage": True,
    }  # no url: nowhere to redirect to
    assert contact["properties"]["firstName"] == "Annie"
    (row,) = history(sim)
    assert row["form"] == {
        "id": SIGNUP,
        "name": "Newsletter sign-up",
        "formSubType": "subscribe",
        "formState": "final",
    }
    assert row["completed"] is True
    assert history(sim, "CRM-501", "crm") == [row]  # the same contact through the other key


def test_a_sign_up_with_a_new_address_creates_the_contact(sim: Sim) -> None:
    before = sim.table("SELECT count(*) FROM contacts")[0][0]
    with sim.client() as api:
        assert submit(api, SIGNUP, email=["new.reader@example.com"]).status_code == 200
        found = api.get("/contact/1001/forms").json()["formHistories"]
    assert sim.table("SELECT count(*) FROM contacts")[0][0] == before + 1
    assert found == []  # not Anna's


def test_a_survey_result_reads_back_with_its_answers(sim: Sim) -> None:
    with sim.client() as api:
        response = submit(api, SURVEY, satisfaction=["4"], topics=["shoes", "sale"], orders=["3"])
        assert response.status_code == 200
        assert response.json()["url"] == "https://shop.example/survey/thanks"
        (listed,) = api.get(f"/form/result/{SURVEY}").json()
        one = api.get(f"/form/result/{SURVEY}/{listed['formResultId']}").json()
    assert one == listed
    assert one["testResult"] is False and one["completed"] is True
    assert one["answers"] == [
        {
            "rank": 1,
            "fieldId": 1,
            "description": "How happy are you with your order?",
            "answer": ["4"],
        },
        {
            "rank": 2,
            "fieldId": 2,
            "description": "Which topics interest you?",
            "answer": ["shoes", "sale"],
        },
        {"rank": 3, "fieldId": 3, "description": "Orders per year", "answer": ["3"]},
    ]


def test_results_filter_by_date_and_completion(sim: Sim) -> None:
    with sim.client() as api:
        assert submit(api, SURVEY, satisfaction=["5"]).status_code == 200
        everything = api.get(f"/form/result/{SURVEY}", params={"completed": "true"}).json()
        later = api.get(f"/form/result/{SURVEY}", params={"startDate": "99990101"}).json()
        earlier = api.get(f"/form/result/{SURVEY}", params={"endDate": "20000101120000"}).json()
    assert len(everything) == 1
    assert later == [] and earlier == []


@pytest.mark.parametrize(
    ("form_id", "values", "named"),
    [
        (SIGNUP, {}, "a value is required"),
        (SIGNUP, {"email": ["  "]}, "a value is required"),
        (SIGNUP, {"email": ["not-an-address"]}, "not an e-mail address"),
        (SIGNUP, {"email": ["a@example.com", "b@example.com"]}, "takes one value"),
        (SURVEY, {"satisfaction": ["9"]}, "not one of 1, 2, 3, 4, 5"),
        (SURVEY, {"satisfaction": ["3"], "topics": ["cars"]}, "not one of"),
        (SURVEY, {"satisfaction": ["3"], "orders": ["many"]}, "not a number"),
    ],
)
def test_values_that_do_not_fit_the_form_are_refused_and_nothing_is_stored(
    sim: Sim, form_id: int, values: dict[str, list[str]], named: str
) -> None:
    with sim.client() as api:
        response = submit(api, form_id, **values)
    assert response.status_code == 400
    assert response.json()["errorType"] == "INVALID_PARAMS"
    assert named in response.json()["message"]
    assert "post the form again" in response.json()["message"]
    assert sim.table("SELECT count(*) FROM form_results") == [(0,)]


def test_submitting_to_an_unknown_form_is_form_not_found(sim: Sim) -> None:
    with sim.client() as api:
        response = submit(api, 9, email=[ANNA])
    assert response.status_code == 404
    assert response.json()["errorType"] == "FORM_NOT_FOUND"


def test_a_result_body_must_fit_params(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post(f"/form/result/{SIGNUP}", json={"formParams": {"email": [ANNA]}})
        wrong = api.post(
            f"/form/result/{SIGNUP}", json={"postUrl": "x", "formParams": {"email": ANNA}}
        )
    assert response.status_code == 400 and "postUrl" in response.json()["message"]
    assert wrong.status_code == 400 and "formParams" in wrong.json()["message"]


def test_an_unknown_result_is_formresult_not_found(sim: Sim) -> None:
    with sim.client() as api:
        assert submit(api, SURVEY, satisfaction=["2"]).status_code == 200
        (listed,) = api.get(f"/form/result/{SURVEY}").json()
        other_form = api.get(f"/form/result/{SIGNUP}/{listed['formResultId']}")
        unknown = api.get(f"/form/result/{SURVEY}/999")
        no_form = api.get("/form/result/9/1")
        no_form_results = api.get("/form/result/9")
    assert other_form.status_code == 404
    assert other_form.json()["errorType"] == "FORMRESULT_NOT_FOUND"
    assert unknown.status_code == 404 and unknown.json()["errorType"] == "FORMRESULT_NOT_FOUND"
    assert no_form.status_code == 404 and no_form.json()["errorType"] == "FORM_NOT_FOUND"
    assert no_form_results.status_code == 404


# ---- XML in and out --------------------------------------------------------------------------


def test_the_plugins_xml_params_document_is_accepted(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post(
            f"/form/result/{SIGNUP}",
            content=params_xml({"email": [ANNA], "firstName": ["Anneke"]}),
            headers={"Content-Type": "application/xml", "Accept": "application/json"},
        )
        contact = api.get("/contact/1001").json()
    assert response.status_code == 200, response.text
    assert response.json()["isConfirmationPage"] is True
    assert contact["properties"]["firstName"] == "Anneke"
    assert len(history(sim)) == 1


def test_xml_in_and_xml_out(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post(
            f"/form/result/{SURVEY}",
            content=params_xml({"satisfaction": ["5"], "topics": ["bags", "sale"]}),
            headers=XML,
        )
        listed = api.get(f"/form/result/{SURVEY}", headers={"Accept": "application/xml"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml"
    root = ET.fromstring(response.content)
    assert root.tag == "formResponse"
    assert root.findtext("url") == "https://shop.example/survey/thanks"
    assert root.findtext("isConfirmationPage") == "true"
    assert "Thank you" in (root.findtext("html") or "")
    results = ET.fromstring(listed.content)
    assert results.tag == "formResults"
    answers = results.findall("formResult/answers")
    assert [a.findtext("fieldId") for a in answers] == ["1", "2"]
    assert [i.text for i in answers[1].findall("answer")] == ["bags", "sale"]


def test_xml_values_are_checked_like_json(sim: Sim) -> None:
    with sim.client() as api:
        bad_value = api.post(
            f"/form/result/{SIGNUP}", content=params_xml({"email": ["nope"]}), headers=XML
        )
        not_xml = api.post(f"/form/result/{SIGNUP}", content=b"<params>", headers=XML)
        entity = api.post(
            f"/form/result/{SIGNUP}",
            content=b'<!DOCTYPE p [<!ENTITY x "y">]><params>&x;</params>',
            headers=XML,
        )
        no_post_url = api.post(
            f"/form/result/{SIGNUP}",
            content=b"<params><formParams/></params>",
            headers=XML,
        )
    for response, said in [
        (bad_value, "e-mail"),
        (not_xml, "well-formed"),
        (entity, "DOCTYPE"),
        (no_post_url, "postUrl"),
    ]:  # a client that asks for XML is refused in XML
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/xml"
        error = ET.fromstring(response.content)
        assert error.tag == "errorResponse" and error.findtext("errorType") == "INVALID_PARAMS"
        assert said in (error.findtext("message") or "")
    assert sim.table("SELECT count(*) FROM form_results") == [(0,)]


def test_xml_is_taken_only_where_the_contract_says(sim: Sim) -> None:
    with sim.client() as api:
        response = api.post(
            "/contact", content=b"<contact/>", headers={"Content-Type": "application/xml"}
        )
    assert response.status_code == 415


@pytest.mark.parametrize(
    ("path", "params", "root"),
    [
        ("/form/list", {}, "forms"),
        (f"/form/{SIGNUP}", {"postUrl": "https://x.example"}, "formResponse"),
        ("/contact/1001/forms", {}, "formHistoryResponse"),
    ],
)
def test_reads_answer_xml_when_asked(
    sim: Sim, path: str, params: dict[str, str], root: str
) -> None:
    with sim.client() as api:
        response = api.get(path, params=params, headers={"Accept": "application/xml"})
        default = api.get(path, params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml"
    assert ET.fromstring(response.content).tag == root
    assert default.headers["content-type"].startswith("application/json")


def test_form_history_answers_xml_with_its_rows(sim: Sim) -> None:
    with sim.client() as api:
        assert submit(api, SIGNUP, email=[ANNA]).status_code == 200
        response = api.get("/contact/1001/forms", headers={"Accept": "application/xml"})
    root = ET.fromstring(response.content)
    assert root.findtext("paging/after") == "1"
    assert root.findtext("formHistories/form/id") == str(SIGNUP)


# ---- history ---------------------------------------------------------------------------------


def test_form_history_pages(sim: Sim) -> None:
    with sim.client() as api:
        for name in ("A", "B", "C"):
            assert submit(api, SIGNUP, email=[ANNA], firstName=[name]).status_code == 200
        first = api.get("/contact/1001/forms", params={"pageSize": 2}).json()
        second = api.get("/contact/1001/forms", params={"pageSize": 2, "after": 2}).json()
    assert len(first["formHistories"]) == 2 and "next" in first["paging"]
    assert len(second["formHistories"]) == 1 and "next" not in second["paging"]
    ids = [r["formResultId"] for r in first["formHistories"] + second["formHistories"]]
    assert ids == sorted(set(ids))


def test_form_history_of_an_unknown_contact_is_404(sim: Sim) -> None:
    with sim.client() as api:
        response = api.get("/contact/nobody/forms")
    assert response.status_code == 404
    assert response.json()["errorType"] == "CONTACT_NOT_FOUND"


# ---- snapshots and reset ---------------------------------------------------------------------


def test_a_snapshot_round_trips_forms_and_results(sim: Sim) -> None:
    with sim.client() as api:
        assert submit(api, SIGNUP, email=[ANNA]).status_code == 200
        assert submit(api, SURVEY, satisfaction=["1"], comments=["late"]).status_code == 200
    before = sim.snapshot()
    assert [len(f["results"]) for f in before["forms"]] == [1, 1]
    history_before = history(sim)
    with sim.admin() as admin:
        assert admin.post("/snapshot", json={"accounts": [before]}).status_code in (200, 204)
    assert sim.snapshot() == before
    assert history(sim) == history_before
    with sim.client() as api:  # numbering goes on after the restored results
        assert submit(api, SURVEY, satisfaction=["2"]).status_code == 200
        numbers = [r["formResultId"] for r in api.get(f"/form/result/{SURVEY}").json()]
    assert numbers == [2, 3]


def test_reset_removes_forms_and_results(sim: Sim) -> None:
    with sim.client() as api:
        assert submit(api, SURVEY, satisfaction=["3"]).status_code == 200
    with sim.admin() as admin:
        assert admin.post("/accounts/demo/reset").status_code in (200, 204)
    for table in ("forms", "form_fields", "form_results"):
        assert sim.table(
            f"SELECT count(*) FROM {table} WHERE account_id = "
            "(SELECT id FROM accounts WHERE name = 'demo')"
        ) == [(0,)], table
    with sim.client() as api:
        assert api.get("/form/list").json() == []
        response = submit(api, SURVEY, satisfaction=["3"])
    assert response.status_code == 404


def test_a_fixture_with_a_form_id_twice_is_refused(sim: Sim) -> None:
    form = {"id": 1, "name": "f", "fields": [{"id": 1, "name": "email"}]}
    account = {"name": "twice", "forms": [form, form]}
    with sim.admin() as admin:
        response = admin.post("/accounts", json=account)
    assert response.status_code == 400
    assert "used twice" in response.json()["message"]


def test_a_draft_form_records_test_results(sim: Sim) -> None:
    draft = {
        "name": "drafts",
        "authentications": [{"label": "web", "key": "k-draft", "secret": "s-draft"}],
        "forms": [{"id": 5, "name": "d", "formState": "draft", "fields": [{"id": 1, "name": "q"}]}],
    }
    with sim.admin() as admin:
        assert admin.post("/accounts", json=draft).status_code in (200, 201)
    from spotler_sim.testing.signing import OAuth1Auth

    with sim.client() as api:
        api.auth = OAuth1Auth("k-draft", "s-draft")
        assert submit(api, 5, q=["x"]).status_code == 200
        (result,) = api.get("/form/result/5").json()
    assert result["testResult"] is True
