"""Marketing staff edit, revert and preview templates; the next message uses the text."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from services.messaging.notifications.models import Notification
from services.messaging.templates.domain import TEMPLATES
from shared.db import Sessions
from shared.inbox import Handlers
from tests.messaging import events
from tests.messaging.templates.conftest import feed
from tests.stack import staff_headers

pytestmark = pytest.mark.usefixtures("defaults_again")

MARKETING = staff_headers("marketing")
EARNED_SMS = "/templates/points_earned/sms/zh-CN"
EDITED = (
    "{{ name }}，本次消费获得 {{ points|points }} 积分，余额 {{ balance|points }}。积分可兑换礼品！"
)


async def _sms_of(sessions: Sessions, member_id: uuid.UUID, template: str) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Notification)
            .where(
                col(Notification.member_id) == member_id,
                col(Notification.template) == template,
                col(Notification.channel) == "sms",
            )
            .order_by(col(Notification.created_at))
        )
        return [row.body or "" for row in rows]


async def _earn(sessions: Sessions, handlers: Handlers, member_id: uuid.UUID) -> None:
    await feed(sessions, handlers, events.points_earned(member_id, points=50, balance=80))


async def test_a_saved_version_is_what_the_next_message_says_until_reverted(
    client: httpx.AsyncClient, messaging_sessions: Sessions, handlers: Handlers
) -> None:
    member_id = uuid.uuid4()
    await feed(
        messaging_sessions,
        handlers,
        await events.registered(member_id, phone_number=events.phone()),
    )
    await _earn(messaging_sessions, handlers, member_id)

    saved = await client.put(EARNED_SMS, json={"text": EDITED}, headers=MARKETING)
    again = await client.put(EARNED_SMS, json={"text": EDITED}, headers=MARKETING)
    await _earn(messaging_sessions, handlers, member_id)
    reverted = await client.post(f"{EARNED_SMS}/revert", json={"version": 0}, headers=MARKETING)
    await _earn(messaging_sessions, handlers, member_id)

    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert (body["version"], body["source"], body["text"]) == (1, "staff", EDITED)
    assert body["default_text"].startswith("{{ name }}，本次消费获得")
    assert [v["version"] for v in body["versions"]] == [1]
    assert body["versions"][0]["updated_by"] == "test-marketing"
    assert again.json()["version"] == 1  # the same text again saves nothing
    assert reverted.status_code == 200, reverted.text
    back = reverted.json()
    assert (back["version"], back["source"], back["text"]) == (2, "default", back["default_text"])
    assert back["versions"][0] == back["versions"][0] | {"text": None, "reverted_to": 0}
    assert await _sms_of(messaging_sessions, member_id, "points_earned") == [
        "李雷，本次消费获得 50 积分，当前积分余额 80。感谢惠顾！",
        "李雷，本次消费获得 50 积分，余额 80。积分可兑换礼品！",
        "李雷，本次消费获得 50 积分，当前积分余额 80。感谢惠顾！",
    ]


async def test_the_list_says_which_version_is_published_where(client: httpx.AsyncClient) -> None:
    await client.put(
        "/templates/welcome/email/en",
        json={"text": "Subject: Hi {{ name }}\n\nWelcome!"},
        headers=MARKETING,
    )

    listed = await client.get("/templates", headers=staff_headers("service"))

    assert listed.status_code == 200, listed.text
    welcome = next(item for item in listed.json()["items"] if item["key"] == "welcome")
    assert [v["name"] for v in welcome["variables"]] == ["name", "card_number"]
    published = {
        (p["channel"], p["locale"]): (p["version"], p["source"]) for p in welcome["published"]
    }
    assert published == {
        ("sms", "zh-CN"): (0, "default"),
        ("sms", "en"): (0, "default"),
        ("email", "zh-CN"): (0, "default"),
        ("email", "en"): (1, "staff"),
    }
    assert len(listed.json()["items"]) == len(TEMPLATES)


async def _put(client: httpx.AsyncClient, path: str, text: str) -> httpx.Response:
    return await client.put(path, json={"text": text}, headers=MARKETING)


async def test_a_text_that_is_no_template_is_refused_naming_what_and_where(
    client: httpx.AsyncClient,
) -> None:
    before = (await client.get(EARNED_SMS, headers=MARKETING)).json()
    cases: list[tuple[str, str, str]] = [
        (
            EARNED_SMS,
            "{{ name }} 获得 {{ balanse|points }}",
            "line 1: 'balanse' is not a variable of points_earned (it has: name, points, balance)",
        ),
        (EARNED_SMS, "{{ name }}\n{{ points|points }}", "line 2: an SMS template is one line"),
        (EARNED_SMS, "{{ name }} {{ points|points }", "line 1: unexpected '}'"),
        (
            EARNED_SMS,
            "{{ name.__class__ }} {{ points|points }}",
            "it does not render: access to attribute '__class__'",
        ),
        (EARNED_SMS, "{{ name|points }}", "it does not render: points must be an integer"),
        (
            "/templates/points_earned/email/en",
            "Hi {{ name }}\n\nbody",
            "line 1: an email template starts with 'Subject: '",
        ),
        (
            "/templates/points_earned/email/en",
            "Subject: Hi\n\n{% include 'en/welcome.sms.txt' %}",
            "line 3: 'include' is not allowed",
        ),
    ]
    for path, text, detail in cases:
        refused = await _put(client, path, text)
        assert refused.status_code == 422, (text, refused.text)
        problem = refused.json()
        assert problem["type"] == "urn:huiyuan:problem:template-refused"
        assert problem["detail"].startswith(detail), (text, problem["detail"])
        assert problem["errors"][0]["location"] == "body.text"
    after = await client.get(EARNED_SMS, headers=MARKETING)
    assert after.json() == before  # nothing written


async def test_only_marketing_edits_and_previews(client: httpx.AsyncClient) -> None:
    service_desk = staff_headers("service")
    put = await client.put(EARNED_SMS, json={"text": EDITED}, headers=service_desk)
    preview = await client.post(f"{EARNED_SMS}/preview", json={}, headers=service_desk)
    read = await client.get(EARNED_SMS, headers=staff_headers("analyst"))
    assert (put.status_code, preview.status_code, read.status_code) == (403, 403, 403)


async def test_revert_publishes_an_earlier_version_again(client: httpx.AsyncClient) -> None:
    path = "/templates/tier_upgrade/sms/en"
    first, second = (
        "Well done {{ name }}: {{ tier_name }}!",
        "{{ name }}, you are {{ tier_name }} now.",
    )
    await _put(client, path, first)
    await _put(client, path, second)
    reverted = await client.post(f"{path}/revert", json={"version": 1}, headers=MARKETING)
    retried = await client.post(f"{path}/revert", json={"version": 1}, headers=MARKETING)
    missing = await client.post(f"{path}/revert", json={"version": 9}, headers=MARKETING)

    assert reverted.status_code == 200, reverted.text
    assert (reverted.json()["version"], reverted.json()["text"]) == (3, first)
    assert reverted.json()["versions"][0]["reverted_to"] == 1
    assert retried.json()["version"] == 3  # already published: nothing new
    assert missing.status_code == 404
    assert missing.json()["type"] == "urn:huiyuan:problem:template-version-not-found"
    assert missing.json()["errors"][0]["location"] == "body.version"


async def test_versions_are_paged_newest_first(client: httpx.AsyncClient) -> None:
    path = "/templates/reward_ordered/sms/en"
    for n in range(3):
        await _put(client, path, f"{{{{ name }}}}: {{{{ item }}}} ×{{{{ quantity }}}} #{n}")

    first = await client.get(path, params={"limit": 2}, headers=MARKETING)
    rest = await client.get(
        path, params={"limit": 2, "cursor": first.json()["next_cursor"]}, headers=MARKETING
    )
    bad = await client.get(path, params={"cursor": "x"}, headers=MARKETING)
    beyond = await client.get(path, params={"cursor": str(2**60)}, headers=MARKETING)

    assert [v["version"] for v in first.json()["versions"]] == [3, 2]
    assert [v["version"] for v in rest.json()["versions"]] == [1]
    assert rest.json()["next_cursor"] is None
    assert rest.json()["version"] == 3  # the published one, whatever the page
    assert bad.status_code == 422
    assert [v["version"] for v in beyond.json()["versions"]] == [3, 2, 1]  # not a 500


async def test_two_saves_at_once_get_consecutive_versions(client: httpx.AsyncClient) -> None:
    path = "/templates/points_expired/sms/en"
    answers = await asyncio.gather(
        *(
            _put(client, path, f"{{{{ name }}}}: {{{{ points|points }}}} gone ({n})")
            for n in range(4)
        )
    )
    assert [a.status_code for a in answers] == [200] * 4
    state = await client.get(path, headers=MARKETING)
    assert [v["version"] for v in state.json()["versions"]] == [4, 3, 2, 1]


async def _preview(client: httpx.AsyncClient, path: str, **body: Any) -> dict[str, Any]:
    answer = await client.post(f"{path}/preview", json=body, headers=MARKETING)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def test_a_preview_shows_the_sms_as_sent_with_its_parts_and_cost(
    client: httpx.AsyncClient,
) -> None:
    earned = await _preview(client, EARNED_SMS, variables={"points": 50, "balance": 80})
    welcome = await _preview(client, "/templates/welcome/sms/zh-CN")
    english = await _preview(
        client,
        "/templates/welcome/sms/en",
        text="Hi {{ name }}, card {{ card_number }}! " * 5,
        variables={"name": "Lei"},
    )
    email = await _preview(
        client,
        "/templates/points_expiring/email/en",
        variables={"days": [{"day": "2027-01-05", "points": 780}]},
    )

    assert earned == {
        "subject": None,
        "text": "【Huiyuan】李雷，本次消费获得 50 积分，当前积分余额 80。感谢惠顾！",
        "encoding": "UCS-2",
        "units": 40,
        "segments": 1,
        "cost_fen": 10,
        "marketing": False,
    }
    assert welcome["text"].startswith("【Huiyuan】李雷，欢迎加入会员！")
    assert welcome["text"].endswith("消费即可累积积分。回T退订")
    assert welcome["marketing"] is True
    # 【 and 】 are not GSM-7: the signature alone makes an English SMS UCS-2; 9 + 139 + 19
    # characters of signature, text and opt-out are 167, three parts of 67
    assert (english["encoding"], english["segments"], english["cost_fen"]) == ("UCS-2", 3, 30)
    assert english["text"].endswith("Reply T to opt out")
    assert email["subject"] == "1,280 of your points will expire soon"
    assert "780 points, valid until 5 Jan 2027" in email["text"]
    assert (email["segments"], email["cost_fen"]) == (None, 0)


async def test_a_preview_refuses_variables_the_template_is_not_given(
    client: httpx.AsyncClient,
) -> None:
    unknown = await client.post(
        f"{EARNED_SMS}/preview", json={"variables": {"tier": "Gold"}}, headers=MARKETING
    )
    wrong = await client.post(
        f"{EARNED_SMS}/preview", json={"variables": {"points": "many"}}, headers=MARKETING
    )
    bad_day = await client.post(
        "/templates/tier_manual/sms/en/preview",
        json={"variables": {"until": "31/03"}},
        headers=MARKETING,
    )

    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["location"] == "body.variables.tier"
    assert wrong.status_code == 422
    assert "points must be an integer" in wrong.json()["detail"]
    assert bad_day.status_code == 422
    assert bad_day.json()["errors"][0]["location"] == "body.variables"


FULFILLED_SMS = "/templates/reward_fulfilled/sms/en"


async def test_if_match_keeps_two_editors_from_overwriting_each_other(
    client: httpx.AsyncClient,
) -> None:
    read = await client.get(FULFILLED_SMS, headers=MARKETING)
    assert read.status_code == 200, read.text
    seen = read.headers["etag"]
    assert seen == f'"{read.json()["version"]}"'

    first = "{{ name }}, your {{ quantity }} × {{ item }} is ready for you."
    second = "{{ name }}, {{ item }} × {{ quantity }} has been handed over."
    saved = await client.put(
        FULFILLED_SMS, json={"text": first}, headers=MARKETING | {"If-Match": seen}
    )
    assert saved.status_code == 200, saved.text
    assert saved.headers["etag"] == f'"{saved.json()["version"]}"' != seen

    # the second editor read the template before the first one saved
    stale = await client.put(
        FULFILLED_SMS, json={"text": second}, headers=MARKETING | {"If-Match": seen}
    )
    assert stale.status_code == 412, stale.text
    assert stale.headers["content-type"] == "application/problem+json"
    problem = stale.json()
    assert problem["type"] == "urn:huiyuan:problem:template-version-mismatch"
    assert problem["errors"][0]["location"] == "header.If-Match"
    assert stale.headers["etag"] == saved.headers["etag"]  # what to read again
    now = await client.get(FULFILLED_SMS, headers=MARKETING)
    assert (now.json()["text"], now.headers["etag"]) == (first, saved.headers["etag"])

    # read again, merged, saved: it goes through; "*" and no If-Match at all are not checked
    merged = await client.put(
        FULFILLED_SMS,
        json={"text": second},
        headers=MARKETING | {"If-Match": f'"99", {now.headers["etag"]}'},
    )
    assert merged.status_code == 200, merged.text
    assert (
        await client.put(FULFILLED_SMS, json={"text": first}, headers=MARKETING | {"If-Match": "*"})
    ).status_code == 200
    stale_revert = await client.post(
        f"{FULFILLED_SMS}/revert", json={"version": 0}, headers=MARKETING | {"If-Match": seen}
    )
    assert stale_revert.status_code == 412, stale_revert.text
    current = (await client.get(FULFILLED_SMS, headers=MARKETING)).headers["etag"]
    reverted = await client.post(
        f"{FULFILLED_SMS}/revert", json={"version": 0}, headers=MARKETING | {"If-Match": current}
    )
    assert reverted.status_code == 200, reverted.text
    assert reverted.headers["etag"] == f'"{reverted.json()["version"]}"'


@pytest.mark.parametrize("if_match", ["3", 'W/"3"x', '"3" "4"'])
async def test_an_if_match_that_is_no_entity_tag_is_refused_naming_the_header(
    client: httpx.AsyncClient, if_match: str
) -> None:
    answer = await client.put(
        FULFILLED_SMS,
        json={"text": "{{ name }}: {{ item }}"},
        headers=MARKETING | {"If-Match": if_match},
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["location"] == "header.If-Match"
