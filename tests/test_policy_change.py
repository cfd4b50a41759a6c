"""Changing a setting the projections depend on re-derives them at the next start."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.app import create_app
from bot.auth import Role, new_token
from bot.keys import STORE
from bot.ledger import projector_id
from bot.settings import Settings
from bot.state import Cap, Policy
from tests import meta
from tests.conftest import AiohttpClient, make_settings, post_signed


def test_projector_id_is_stable_and_names_the_rules() -> None:
    assert projector_id(Policy()) == projector_id(Policy())
    assert projector_id(Policy()) != projector_id(Policy(per_number_scope=True))
    assert projector_id(Policy()) != projector_id(Policy(unreachable_after=5))
    # The stored summaries say whether marketing needs a consent.
    assert projector_id(Policy()) != projector_id(Policy(require_consent=frozenset()))
    assert projector_id(Policy()) != projector_id(
        Policy(caps={"marketing": Cap(2, timedelta(days=7))})
    )


async def _eligible_from(client: Any, token: str, phone_number_id: str) -> bool:
    resp = await client.post(
        "/v1/eligibility",
        json={
            "category": "utility",
            "phone_number_id": phone_number_id,
            "recipients": ["+79991234567"],
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert resp.status == 200
    return bool((await resp.json())["results"][0]["eligible"])


async def test_switching_to_per_number_scope_rederives_stored_states(
    aiohttp_client: AiohttpClient, tmp_path: Path
) -> None:
    token, record = new_token(Role.SENDER, "crm")
    business: Settings = make_settings(tmp_path)
    client = await aiohttp_client(create_app(business))
    await client.server.app[STORE].add_token(record)
    stop = meta.messages_change(meta.text_message("СТОП"), phone_number_id="111")
    assert (await post_signed(client, meta.body(stop))).status == 200
    assert await _eligible_from(client, token, "222") is False
    await client.close()

    per_number = make_settings(tmp_path, opt_out_scope="number")
    client = await aiohttp_client(create_app(per_number))
    assert await _eligible_from(client, token, "222") is True
    assert await _eligible_from(client, token, "111") is False
