"""Tolerant models of Meta's webhook payloads (whatsapp.md §1.4–4).

Unknown fields are ignored and almost everything is optional: Meta adds fields and
event names over time, and a webhook we cannot read in full must still be recorded.
The envelope keeps each change's `value` as a plain mapping so that one bad item is
reported on its own instead of failing the whole delivery.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Change(_Model):
    field: str
    value: dict[str, Any] | None = None


class Entry(_Model):
    id: str | None = None  # the WABA id
    time: int | None = None  # when Meta sent a management notification
    changes: list[Change] = Field(default_factory=list)


class Envelope(_Model):
    object: str | None = None
    entry: list[Entry]


class Metadata(_Model):
    display_phone_number: str | None = None
    phone_number_id: str | None = None


class Profile(_Model):
    name: str | None = None
    username: str | None = None


class Contact(_Model):
    wa_id: str | None = None
    user_id: str | None = None
    profile: Profile | None = None


class Error(_Model):
    code: int | None = None
    title: str | None = None
    message: str | None = None
    error_data: dict[str, Any] | None = None


class Text(_Model):
    body: str = ""


class Button(_Model):
    payload: str | None = None
    text: str | None = None


class Reply(_Model):
    id: str | None = None
    title: str | None = None
    description: str | None = None


class Interactive(_Model):
    type: str | None = None
    button_reply: Reply | None = None
    list_reply: Reply | None = None


class Media(_Model):
    id: str | None = None
    mime_type: str | None = None
    caption: str | None = None


class Reaction(_Model):
    message_id: str | None = None
    emoji: str | None = None


class System(_Model):
    body: str | None = None
    wa_id: str | None = None
    type: str | None = None


class Context(_Model):
    from_: str | None = Field(default=None, alias="from")
    id: str | None = None
    forwarded: bool | None = None
    frequently_forwarded: bool | None = None


class Message(_Model):
    id: str
    timestamp: int  # Meta sends a string of Unix seconds
    from_: str | None = Field(default=None, alias="from")
    from_user_id: str | None = None
    type: str = "unknown"
    text: Text | None = None
    button: Button | None = None
    interactive: Interactive | None = None
    image: Media | None = None
    video: Media | None = None
    audio: Media | None = None
    document: Media | None = None
    sticker: Media | None = None
    reaction: Reaction | None = None
    system: System | None = None
    context: Context | None = None
    errors: list[Error] = Field(default_factory=list)

    def media(self) -> Media | None:
        found: Media | None = getattr(self, self.type, None) if self.type in MEDIA_TYPES else None
        return found


MEDIA_TYPES = frozenset({"image", "video", "audio", "document", "sticker"})


class Pricing(_Model):
    billable: bool | None = None
    pricing_model: str | None = None
    type: str | None = None
    category: str | None = None


class Status(_Model):
    id: str
    status: str
    timestamp: int
    recipient_id: str | None = None
    recipient_user_id: str | None = None
    recipient_type: str | None = None
    biz_opaque_callback_data: str | None = None
    pricing: Pricing | None = None
    errors: list[Error] = Field(default_factory=list)


class Preference(_Model):
    timestamp: int
    value: str
    wa_id: str | None = None
    user_id: str | None = None
    category: str | None = None
    detail: str | None = None


class MessagesValue(_Model):
    """`messages` and `user_preferences` values; items stay raw until validated one by one."""

    metadata: Metadata | None = None
    contacts: list[Contact] = Field(default_factory=list)
    messages: list[dict[str, Any]] = Field(default_factory=list)
    statuses: list[dict[str, Any]] = Field(default_factory=list)
    user_preferences: list[dict[str, Any]] = Field(default_factory=list)
    errors: list[Error] = Field(default_factory=list)


class ManagementValue(_Model):
    """The fields consent rules read from management notifications; the rest is kept raw."""

    event: str | None = None
    display_phone_number: str | None = None
    message_template_id: int | str | None = None
    message_template_name: str | None = None
    new_quality_score: str | None = None
