"""A small client of Meta's Graph API: one message sent from one business number.

`POST {CONSENTBOT_GRAPH_API_URL}/{phone_number_id}/messages` with the access token as a
bearer token. Meta's answer is read for what the reply worker needs: the HTTP status, the
Graph error code (`error.code`) and the id Meta gave the message it accepted
(`messages[0].id`). The token never leaves this module but in the request's header.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from pydantic import SecretStr

_MAX_ERROR = 500


@dataclass(frozen=True, slots=True)
class GraphAnswer:
    """What came back: `status` None when no answer came at all (timeout, no connection)."""

    status: int | None
    error_code: int | None = None
    wamid: str | None = None
    error: str | None = None


class GraphClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        token: SecretStr,
        *,
        timeout_s: float,
    ) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._timeout_s = timeout_s

    def url(self, phone_number_id: str) -> str:
        # The number's id comes from Meta's signed webhook; digits only, so it can never
        # lead the request (and the token) anywhere but to this number's endpoint.
        if not phone_number_id.isascii() or not phone_number_id.isdigit():
            raise ValueError("a phone_number_id is digits")
        return f"{self._base}/{phone_number_id}/messages"

    async def send(self, phone_number_id: str, message: Mapping[str, Any]) -> GraphAnswer:
        """POST one message; never raises for what the network or Meta answer."""
        try:
            url = self.url(phone_number_id)
        except ValueError as exc:
            return GraphAnswer(400, error=str(exc))
        headers = {"Authorization": f"Bearer {self._token.get_secret_value()}"}
        try:
            async with self._session.post(
                url,
                json=dict(message),
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                text = await response.text()
                return _answer(response.status, text)
        except TimeoutError:
            return GraphAnswer(None, error=f"no answer within {self._timeout_s:g} s")
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return GraphAnswer(None, error=f"{type(exc).__name__}: {exc}"[:_MAX_ERROR])


def _answer(status: int, text: str) -> GraphAnswer:
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    if 200 <= status < 300:
        return GraphAnswer(status, wamid=_wamid(doc))
    error = doc.get("error") if isinstance(doc, dict) else None
    if not isinstance(error, dict):
        return GraphAnswer(status, error=f"HTTP {status}")
    code = error.get("code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    message = str(error.get("message") or "")
    details = error.get("error_data", {})
    if isinstance(details, dict) and details.get("details"):
        message = f"{message} ({details['details']})"
    return GraphAnswer(status, code, error=f"HTTP {status}, code {code}: {message}"[:_MAX_ERROR])


def _wamid(doc: object) -> str | None:
    if not isinstance(doc, dict):
        return None
    messages = doc.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        wamid = messages[0].get("id")
        return wamid if isinstance(wamid, str) else None
    return None
