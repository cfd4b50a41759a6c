"""The `Subjects` part: subjects by identity key, and the lean summary lookup."""

from __future__ import annotations

from collections.abc import Sequence

from storage.base import Subject
from storage.sql.base import SqlBase


class SubjectsPart(SqlBase):
    async def subject(self, identity_keys: Sequence[str]) -> Subject | None:
        found = await self.subjects(identity_keys)
        return next((found[k] for k in identity_keys if k in found), None)

    async def subjects(self, identity_keys: Sequence[str]) -> dict[str, Subject]:
        # One statement per part, so a merge committed meanwhile cannot split what it reads.
        rows = await self._read_among(
            "SELECT i.key, s.id, s.state, s.summary, s.phone, s.user_id, s.feed_seq, "
            f"(SELECT {self._dialect.join_keys} FROM identities k WHERE k.subject_id = s.id) "
            "FROM identities i JOIN subjects s ON s.id = i.subject_id WHERE {}",
            "i.key",
            list(dict.fromkeys(identity_keys)),
        )
        subjects: dict[int, Subject] = {}
        out: dict[str, Subject] = {}
        for key, sid, state, summary, phone, user_id, feed_seq, keys in rows:
            subject = subjects.get(sid)
            if subject is None:
                # Keys in code point order: the byte order of their UTF-8 in every dialect.
                all_keys = tuple(sorted(keys.split()))
                subject = Subject(sid, state, all_keys, summary, phone, user_id, feed_seq)
                subjects[sid] = subject
            out[key] = subject
        return out

    async def summaries(self, identity_keys: Sequence[str]) -> dict[str, str]:
        rows = await self._read_among(
            "SELECT i.key, s.summary FROM identities i "
            f"JOIN subjects s{self._dialect.summary_index} ON s.id = i.subject_id WHERE {{}}",
            "i.key",
            list(dict.fromkeys(identity_keys)),
            size=self._dialect.lookup_chunk,
        )
        return {r[0]: r[1] for r in rows}
