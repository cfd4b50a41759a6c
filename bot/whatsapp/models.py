"""Tolerant models of Meta's webhook payloads (whatsapp.md §1.4–4).

Unknown fields are ignored and almost everything is optional: Meta adds fields and
event names over time, and a webhook we cannot read in full must still be recorded.
The envelope keeps each change's `value` as a plain mapping so that one bad item is
reported on its own instead of failing the whole delivery.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


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


# Unix seconds up to the year 9999: a larger value is a malformed item, not a crash.
MAX_UNIX_TIME = 253_402_300_799
UnixTime = Annotated[int, Field(ge=0, le=MAX_UNIX_TIME)]


class Message(_Model):
    id: str
    timestamp: UnixTime  # Meta sends a string of Unix seconds
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
    timestamp: UnixTime
    recipient_id: str | None = None
    recipient_user_id: str | None = None
    recipient_type: str | None = None
    biz_opaque_callback_data: str | None = None
    pricing: Pricing | None = None
    errors: list[Error] = Field(default_factory=list)


class Preference(_Model):
    timestamp: UnixTime
    value: str
    wa_id: str | None = None
    user_id: str | None = None
    category: str | None = None
    detail: str | None = None


def _tolerant(model: type[Any]) -> Any:
    """An item that is `model` when it validates, else kept raw to be reported on its own."""
    return Annotated[model | dict[str, Any], Field(union_mode="left_to_right")]


class Value(_Model):
    """A change's `value`. For `messages` and `user_preferences` the items are typed in the
    same pass as the envelope; an item that does not validate stays a raw mapping."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    metadata: Metadata | None = None
    contacts: list[Contact] = Field(default_factory=list)
    messages: list[_tolerant(Message)] = Field(default_factory=list)  # type: ignore[valid-type]
    statuses: list[_tolerant(Status)] = Field(default_factory=list)  # type: ignore[valid-type]
    user_preferences: list[_tolerant(Preference)] = Field(default_factory=list)  # type: ignore[valid-type]
    errors: list[Error] = Field(default_factory=list)


class Change(_Model):
    field: str
    value: Annotated[Value | dict[str, Any], Field(union_mode="left_to_right")] | None = None


class Entry(_Model):
    id: str | None = None  # the WABA id
    time: int | None = None  # when Meta sent a management notification
    changes: list[Change] = Field(default_factory=list)


class Envelope(_Model):
    object: str | None = None
    entry: list[Entry]


# Management notifications (whatsapp.md §4). Kept whole as evidence; these models check
# the fields later rules read and document the shapes.


class AccountUpdate(_Model):
    event: str
    restriction_info: list[dict[str, Any]] | None = None
    violation_info: dict[str, Any] | None = None
    ban_info: dict[str, Any] | None = None
    phone_number: str | None = None


class QualityUpdate(_Model):
    event: str
    display_phone_number: str | None = None
    current_limit: str | None = None
    old_limit: str | None = None
    max_daily_conversations_per_business: str | int | None = None


class TemplateStatus(_Model):
    event: str
    message_template_id: int | str | None = None
    message_template_name: str | None = None
    message_template_language: str | None = None
    message_template_category: str | None = None
    reason: str | None = None
    other_info: dict[str, Any] | None = None


class TemplateQuality(_Model):
    new_quality_score: str
    previous_quality_score: str | None = None
    message_template_id: int | str | None = None
    message_template_name: str | None = None
    message_template_language: str | None = None


class CapabilityUpdate(_Model):
    max_daily_conversation_per_phone: int | None = None
    max_daily_conversations_per_business: int | str | None = None
    max_phone_numbers_per_business: int | None = None
    max_phone_numbers_per_waba: int | None = None


class SecurityEvent(_Model):
    event: str
    display_phone_number: str | None = None
    requester: str | None = None


class AccountAlert(_Model):
    entity_type: str | None = None
    entity_id: str | int | None = None
    alert_info: dict[str, Any] | None = None


MANAGEMENT_MODELS: dict[str, type[_Model]] = {
    "account_update": AccountUpdate,
    "phone_number_quality_update": QualityUpdate,
    "message_template_status_update": TemplateStatus,
    "message_template_quality_update": TemplateQuality,
    "business_capability_update": CapabilityUpdate,
    "security": SecurityEvent,
    "account_alerts": AccountAlert,
}
