"""A person's stop is lifted only by the person or by a consent with full evidence.

The pure rule (`bot.evidence`, applied in `bot.state.derive`) with tables and Hypothesis,
then every path that could lift a stop, through the real app on both backends: a collector's
consent, an operator's opt-in, a review resolution, and a consents import.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given
from hypothesis import strategies as st

from bot.events import ALL, MARKETING, UTILITY, Event, Kind, Source
from bot.evidence import by_the_person, lifts_opt_out, missing_evidence
from bot.imports import Context, ImportKind, RowError, read_header, row_parser
from bot.ledger import state_from_json, state_to_json
from bot.state import Policy, Reason, decide, derive
from tests import meta, pg
from tests.conftest import both_backends, post_signed
from tests.test_import import _cli, _eligible, _look

Client = TestClient[Any, Any]

T0 = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
POLICY = Policy(require_consent=frozenset())
PHONE = "+79991234567"
FULL = {
    "wording": "I agree to receive offers from Shop on WhatsApp",
    "wording_version": "2026-08",
    "ip": "203.0.113.5",
    "user_agent": "Mozilla/5.0",
}


def ev(
    kind: Kind,
    minutes: float,
    categories: frozenset[str] = frozenset({ALL}),
    *,
    source: Source = Source.WHATSAPP_TEXT,
    actor: str | None = None,
    evidence: dict[str, Any] | None = None,
    key: str | None = None,
) -> Event:
    return Event(
        key=key or f"t:{kind}:{minutes}:{source}:{sorted(categories)}:{actor}:{evidence}",
        kind=kind,
        source=source,
        occurred_at=T0 + timedelta(minutes=minutes),
        received_at=T0 + timedelta(days=1),
        phone=PHONE,
        categories=categories,
        actor=actor,
        evidence=evidence or {},
    )


def stop(minutes: float = 0) -> Event:
    return ev(Kind.OPT_OUT, minutes)


def reasons(events: list[Event], category: str = MARKETING) -> tuple[Reason, ...]:
    state = derive(events, POLICY)
    return decide(state, category, at=T0 + timedelta(days=2), policy=POLICY).reasons


# -- the rule, as a table ----------------------------------------------------------------------

CASES: list[tuple[str, Event, tuple[str, ...]]] = [
    ("typed START", ev(Kind.OPT_IN, 1), ()),
    ("a subscribe tap", ev(Kind.OPT_IN, 1, source=Source.WHATSAPP_BUTTON), ()),
    (
        "START read by an operator",
        ev(Kind.OPT_IN, 1, actor="tok_1"),
        ("wording", "wording_version", "reference or ip and user_agent"),
    ),
    (
        "the attack: source other, wording x",
        ev(Kind.CONSENT, 1, source=Source.OTHER, actor="tok_1", evidence={"wording": "x"}),
        ("wording", "wording_version", "method", "reference or ip and user_agent"),
    ),
    (
        "a web form with IP and user agent",
        ev(Kind.CONSENT, 1, source=Source.WEB_FORM, evidence=FULL),
        (),
    ),
    (
        "a web form without a version",
        ev(Kind.CONSENT, 1, source=Source.WEB_FORM, evidence={**FULL, "wording_version": " "}),
        ("wording_version",),
    ),
    (
        "an IP without a user agent",
        ev(Kind.CONSENT, 1, source=Source.WEB_FORM, evidence={**FULL, "user_agent": None}),
        ("reference or ip and user_agent",),
    ),
    (
        "source other with a method and a reference",
        ev(
            Kind.CONSENT,
            1,
            source=Source.OTHER,
            evidence={**FULL, "ip": "", "method": "signed paper form", "reference": "F-17"},
        ),
        (),
    ),
    (
        "an operator's opt-in with its evidence",
        ev(
            Kind.OPT_IN,
            1,
            source=Source.HOTLINE,
            actor="tok_1",
            evidence={
                "wording": "Yes, send me offers from Shop",
                "wording_version": "call-script-3",
                "method": "said yes on a recorded call",
                "reference": "call-0042",
            },
        ),
        (),
    ),
    (
        "an import row that does not say it re-subscribes",
        ev(Kind.CONSENT, 1, source=Source.IMPORT, evidence={**FULL, "original_source": "crm"}),
        ("resubscribe",),
    ),
    (
        "an import row that says so, with its evidence",
        ev(
            Kind.CONSENT,
            1,
            source=Source.IMPORT,
            evidence={**FULL, "original_source": "crm", "resubscribe": True},
        ),
        (),
    ),
    (
        "an import row whose source says nothing",
        ev(
            Kind.CONSENT,
            1,
            source=Source.IMPORT,
            evidence={**FULL, "original_source": "other", "resubscribe": True},
        ),
        ("method",),
    ),
]


@pytest.mark.parametrize(("event", "missing"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_what_an_opt_in_or_consent_lacks_to_lift_a_stop(
    event: Event, missing: tuple[str, ...]
) -> None:
    assert missing_evidence(event) == missing
    assert lifts_opt_out(event) is (not missing)
    # Derived: after a stop, exactly the events with full evidence lift it.
    blocked = Reason.OPTED_OUT in reasons([stop(), event])
    assert blocked is bool(missing)


def test_an_opt_out_is_not_an_opt_in() -> None:
    assert missing_evidence(stop()) == ("an opt-in or consent",)
    assert not lifts_opt_out(stop())


def test_the_issue_attack_leaves_both_categories_blocked() -> None:
    weak = ev(Kind.CONSENT, 5, source=Source.OTHER, actor="tok", evidence={"wording": "x"})
    events = [stop(), weak]
    assert Reason.OPTED_OUT in reasons(events, MARKETING)
    assert Reason.OPTED_OUT in reasons(events, UTILITY)
    # The consent is still on file (it is evidence of something), it just does not outrank.
    assert MARKETING in derive(events, POLICY).consents


def test_a_consent_older_than_the_stop_never_lifts_it() -> None:
    full = ev(Kind.CONSENT, -5, source=Source.WEB_FORM, evidence=FULL)
    assert Reason.OPTED_OUT in reasons([stop(), full])


def test_a_consent_lifts_only_the_categories_it_names() -> None:
    full = ev(Kind.CONSENT, 5, frozenset({MARKETING}), source=Source.WEB_FORM, evidence=FULL)
    assert reasons([stop(), full], MARKETING) == ()
    assert reasons([stop(), full], UTILITY) == (Reason.OPTED_OUT,)


def test_a_lift_is_kept_as_a_resubscription_until_the_next_stop() -> None:
    full = ev(Kind.CONSENT, 5, frozenset({MARKETING}), source=Source.WEB_FORM, evidence=FULL)
    state = derive([stop(), full], POLICY)
    [r] = state.resubscriptions
    assert (r.category, r.event_id, r.lifted, r.by_person) == (MARKETING, full.id, stop().id, False)
    assert state_from_json(state_to_json(state)) == state

    by_hand = derive([stop(), ev(Kind.OPT_IN, 5)], POLICY)
    assert {(r.category, r.by_person) for r in by_hand.resubscriptions} == {
        (MARKETING, True),
        (UTILITY, True),
    }
    again = derive([stop(), full, stop(10)], POLICY)
    assert again.resubscriptions == ()
    # A consent with nothing to lift is no re-subscription.
    assert derive([full], POLICY).resubscriptions == ()


# -- the rule, as a property --------------------------------------------------------------------

_fields = st.fixed_dictionaries(
    {},
    optional={
        "wording": st.sampled_from(["", "x", "  ", FULL["wording"]]),
        "wording_version": st.sampled_from(["", "v1"]),
        "method": st.sampled_from(["", "paper form"]),
        "reference": st.sampled_from(["", "DOC-1"]),
        "ip": st.sampled_from(["", "203.0.113.5"]),
        "user_agent": st.sampled_from(["", "Mozilla/5.0"]),
        "original_source": st.sampled_from(["other", "crm"]),
        "resubscribe": st.sampled_from([True, False, "yes"]),
    },
)


@given(
    kind=st.sampled_from([Kind.OPT_IN, Kind.CONSENT]),
    source=st.sampled_from(list(Source)),
    actor=st.sampled_from([None, "tok_1"]),
    evidence=_fields,
    categories=st.sampled_from([frozenset({ALL}), frozenset({MARKETING}), frozenset({UTILITY})]),
    minutes=st.integers(-10, 10),
)
def test_only_the_person_or_full_evidence_newer_than_the_stop_lifts_it(
    kind: Kind,
    source: Source,
    actor: str | None,
    evidence: dict[str, Any],
    categories: frozenset[str],
    minutes: int,
) -> None:
    lift = ev(kind, minutes, categories, source=source, actor=actor, evidence=evidence)
    for category in (MARKETING, UTILITY):
        blocked = Reason.OPTED_OUT in reasons([stop(), lift], category)
        may_lift = by_the_person(lift) or not missing_evidence(lift)
        lifted = may_lift and minutes > 0 and lift.covers(category)
        assert blocked is not lifted


# -- every path, through the app ------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return both_backends(request)


async def _stop(client: Client, seed: str = "stop") -> None:
    wamid = meta.wamid(seed, wa_id=meta.USER_WA_ID)
    message = meta.text_message("СТОП", from_=meta.USER_WA_ID, id=wamid)
    resp = await post_signed(client, meta.body(meta.messages_change(message)))
    assert resp.status == 200


async def _reasons(client: Client, headers: dict[str, str]) -> dict[str, list[str]]:
    out = {}
    for category in ("marketing", "utility"):
        resp = await client.post(
            "/v1/eligibility",
            json={"category": category, "recipients": [PHONE]},
            headers=headers,
        )
        assert resp.status == 200, await resp.text()
        out[category] = (await resp.json())["results"][0]["reasons"]
    return out


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


async def test_a_weak_consent_does_not_lift_a_stop(client: Client, make_token: Any) -> None:
    await _stop(client)
    collector, sender = await make_token("collector"), await make_token("sender")
    body = {
        "phone": PHONE,
        "categories": ["all"],
        "source": "other",
        "collected_at": _now(),
        "wording": "x",
    }
    resp = await client.post("/v1/consents", json=body, headers=collector)
    assert resp.status == 201, await resp.text()
    event = await resp.json()
    assert event["lifts_opt_out"] is False
    assert event["missing_evidence"] == [
        "wording",
        "wording_version",
        "method",
        "reference or ip and user_agent",
    ]
    reasons_now = await _reasons(client, sender)
    assert "opted_out" in reasons_now["marketing"]
    assert "opted_out" in reasons_now["utility"]


async def test_a_consent_with_full_evidence_resubscribes_what_it_names(
    client: Client, make_token: Any
) -> None:
    await _stop(client)
    collector, sender = await make_token("collector"), await make_token("sender")
    operator = await make_token("operator")
    body = {
        "phone": "8 999 123-45-67",
        "categories": ["marketing"],
        "source": "web_form",
        "collected_at": _now(),
        "wording": FULL["wording"],
        "wording_version": "2026-08",
        "evidence": {"ip": FULL["ip"], "user_agent": FULL["user_agent"]},
    }
    resp = await client.post("/v1/consents", json=body, headers=collector)
    assert resp.status == 201
    event = await resp.json()
    assert (event["lifts_opt_out"], event["missing_evidence"]) == (True, [])
    assert await _reasons(client, sender) == {"marketing": [], "utility": ["opted_out"]}

    contact = await (await client.get(f"/v1/contacts/{PHONE}", headers=operator)).json()
    marketing = contact["categories"]["marketing"]
    stop_id = contact["events"][0]["id"]
    assert marketing["resubscribed"] == {
        "since": event["occurred_at"],
        "source": "web_form",
        "event_id": event["id"],
        "lifted_event_id": stop_id,
        "by": "evidence",
    }
    assert contact["categories"]["utility"]["resubscribed"] is None

    feed = await client.get("/v1/suppressions", headers=sender)
    [line] = [json.loads(x) for x in (await feed.text()).splitlines()]
    assert line["categories"]["marketing"] == {
        "eligible": True,
        "reasons": [],
        "resubscribed": True,
    }
    assert "resubscribed" not in line["categories"]["utility"]


async def test_the_customers_own_start_resubscribes(client: Client, make_token: Any) -> None:
    await _stop(client)
    wamid = meta.wamid("start", wa_id=meta.USER_WA_ID)
    message = meta.text_message(
        "СТАРТ", from_=meta.USER_WA_ID, id=wamid, timestamp=meta.TIMESTAMP + 60
    )
    assert (await post_signed(client, meta.body(meta.messages_change(message)))).status == 200
    operator = await make_token("operator")
    contact = await (await client.get(f"/v1/contacts/{PHONE}", headers=operator)).json()
    for category in ("marketing", "utility"):
        assert contact["categories"][category]["resubscribed"]["by"] == "customer"


async def test_an_operator_opt_in_needs_a_wording_version(client: Client, make_token: Any) -> None:
    await _stop(client)
    operator, sender = await make_token("operator"), await make_token("sender")
    body = {
        "categories": ["marketing"],
        "source": "hotline",
        "wording": "Yes, send me offers from Shop on WhatsApp",
        "method": "said yes on a recorded call",
        "reference": "call-2026-11-0042",
    }
    resp = await client.post(f"/v1/contacts/{PHONE}/opt-in", json=body, headers=operator)
    assert resp.status == 422
    assert [e["field"] for e in (await resp.json())["error"]["errors"]] == ["wording_version"]
    assert "opted_out" in (await _reasons(client, sender))["marketing"]

    resp = await client.post(
        f"/v1/contacts/{PHONE}/opt-in",
        json={**body, "wording_version": "script-3"},
        headers=operator,
    )
    assert resp.status == 201
    assert (await _reasons(client, sender))["marketing"] == []


async def _review_item(client: Client, headers: dict[str, str]) -> dict[str, Any]:
    wamid = meta.wamid("unclear", wa_id=meta.USER_WA_ID)
    text = "Здравствуйте, рассылку стоп, но подскажите, где посмотреть чек за прошлый месяц?"
    message = meta.text_message(
        text, from_=meta.USER_WA_ID, id=wamid, timestamp=meta.TIMESTAMP + 60
    )
    assert (await post_signed(client, meta.body(meta.messages_change(message)))).status == 200
    items = (await (await client.get("/v1/review", headers=headers)).json())["items"]
    [item] = [i for i in items if i["kind"] == "review"]
    return item


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({"resolution": "opt_in"}, ["categories", "wording", "wording_version"]),
        ({"resolution": "opt_in", "categories": ["all"]}, ["wording", "wording_version"]),
        (
            {"resolution": "opt_in", "categories": ["all"], "wording": FULL["wording"]},
            ["wording_version"],
        ),
    ],
    ids=["nothing", "categories only", "no version"],
)
async def test_a_review_opt_in_without_evidence_is_refused_and_the_item_stays(
    client: Client, make_token: Any, body: dict[str, Any], missing: list[str]
) -> None:
    await _stop(client)
    operator, sender = await make_token("operator"), await make_token("sender")
    item = await _review_item(client, operator)
    resp = await client.post(f"/v1/review/{item['id']}", json=body, headers=operator)
    assert resp.status == 422
    doc = await resp.json()
    assert doc["error"]["code"] == "evidence_required"
    assert [e["field"] for e in doc["error"]["errors"]] == missing
    items = (await (await client.get("/v1/review", headers=operator)).json())["items"]
    assert item["id"] in [i["id"] for i in items]
    assert "opted_out" in (await _reasons(client, sender))["utility"]


async def test_a_review_opt_in_with_evidence_lifts_only_what_it_names(
    client: Client, make_token: Any
) -> None:
    await _stop(client)
    operator, sender = await make_token("operator"), await make_token("sender")
    item = await _review_item(client, operator)
    body = {
        "resolution": "opt_in",
        "categories": ["marketing"],
        "wording": "Keep sending me offers from Shop on WhatsApp",
        "wording_version": "chat-2026-11",
    }
    resp = await client.post(f"/v1/review/{item['id']}", json=body, headers=operator)
    assert resp.status == 201, await resp.text()
    event = await resp.json()
    assert event["evidence"]["reference"] == item["evidence"]["wamid"]
    assert event["lifts_opt_out"] is True
    assert await _reasons(client, sender) == {"marketing": [], "utility": ["opted_out"]}


# -- imports ------------------------------------------------------------------------------------

NOW = datetime(2026, 9, 13, 12, 0, tzinfo=UTC)


def _row(header: list[str], **values: str) -> Event:
    base = {
        "phone": PHONE,
        "categories": "marketing",
        "source": "crm",
        "collected_at": "2026-09-10T12:00:00Z",
        "wording": FULL["wording"],
        "wording_version": "2026-08",
    }
    fields = {**base, **values}
    parsed = read_header(ImportKind.CONSENTS, header)
    return row_parser(parsed, Context("c.csv", "RU", NOW))([fields.get(h, "") for h in header], 1)


BASE_COLUMNS = ["phone", "categories", "source", "collected_at", "wording", "wording_version"]
PROOF_COLUMNS = [*BASE_COLUMNS, "reference", "resubscribe"]


def test_an_imported_consent_does_not_lift_a_stop_unless_its_row_says_so() -> None:
    plain = _row(BASE_COLUMNS)
    assert missing_evidence(plain) == ("reference or ip and user_agent", "resubscribe")
    referenced = _row(PROOF_COLUMNS, reference="F-1", resubscribe="no")
    assert missing_evidence(referenced) == ("resubscribe",)
    marked = _row(PROOF_COLUMNS, reference="F-1", resubscribe="yes")
    assert missing_evidence(marked) == ()
    assert marked.key != referenced.key  # re-importing with the marker is a new fact
    unproven = _row(PROOF_COLUMNS, resubscribe="yes")
    assert missing_evidence(unproven) == ("reference or ip and user_agent",)
    early_stop = ev(Kind.OPT_OUT, 0)
    for event, blocked in ((plain, True), (referenced, True), (marked, False), (unproven, True)):
        assert (Reason.OPTED_OUT in reasons([early_stop, event])) is blocked


def test_an_unreadable_resubscribe_cell_rejects_the_row() -> None:
    with pytest.raises(RowError) as caught:
        _row(PROOF_COLUMNS, reference="F-1", resubscribe="maybe")
    assert caught.value.column == "resubscribe"


@pytest.fixture
def migrated(tmp_path: Path, database_url: str) -> str:
    done = _cli(tmp_path, database_url, "migrate")
    assert done.returncode == 0, done.stderr
    return database_url


def test_import_of_a_consents_file_leaves_stops_unless_marked(
    tmp_path: Path, migrated: str
) -> None:
    stopped = [f"+7999123450{n}" for n in range(3)]
    optouts = tmp_path / "optouts.csv"
    optouts.write_text(
        "phone,categories,source,reason,occurred_at\n"
        + "".join(f"{p},all,whatsapp,said stop,2026-09-01T12:00:00Z\n" for p in stopped)
    )
    assert _cli(tmp_path, migrated, "import", "suppressions", "optouts.csv").returncode == 0
    wording = FULL["wording"]
    consents = tmp_path / "consents.csv"
    consents.write_text(
        ",".join(PROOF_COLUMNS)
        + "\n"
        + f"{stopped[0]},all,crm,2026-09-10T12:00:00Z,{wording},2026-08,,\n"
        + f"{stopped[1]},marketing,crm,2026-09-10T12:00:00Z,{wording},2026-08,F-1,yes\n"
        + f"{stopped[2]},all,crm,2026-09-10T12:00:00Z,{wording},2026-08,,yes\n"
    )
    done = _cli(tmp_path, migrated, "import", "consents", "consents.csv")
    assert done.returncode == 0, done.stdout + done.stderr
    _, found = pg.run(_look(migrated, stopped))
    verdicts = {
        phone: {c: _eligible(state, c)[1] for c in (MARKETING, UTILITY)}
        for phone, (_, state) in found.items()
    }
    assert verdicts == {
        stopped[0]: {MARKETING: (Reason.OPTED_OUT,), UTILITY: (Reason.OPTED_OUT,)},
        stopped[1]: {MARKETING: (), UTILITY: (Reason.OPTED_OUT,)},
        stopped[2]: {MARKETING: (Reason.OPTED_OUT,), UTILITY: (Reason.OPTED_OUT,)},
    }
