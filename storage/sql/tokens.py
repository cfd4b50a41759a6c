"""The `Tokens` part: API tokens, kept as hashes."""

from __future__ import annotations

from datetime import datetime

from storage.base import TokenRecord
from storage.codec import TOKEN_COLUMNS, token_from_row
from storage.sql.base import SqlBase
from storage.sql.dialect import Tx


class TokensPart(SqlBase):
    async def add_token(self, token: TokenRecord) -> None:
        stamp = self._dialect.stamp

        async def insert(tx: Tx) -> None:
            await tx.execute(
                "INSERT INTO tokens (id, name, role, token_hash, created_at) "
                "VALUES ($1, $2, $3, $4, $5)",
                token.id,
                token.name,
                token.role,
                token.token_hash,
                stamp(token.created_at),
            )

        await self._write(insert)

    async def token_by_hash(self, token_hash: str) -> TokenRecord | None:
        rows = await self._read(
            f"SELECT {TOKEN_COLUMNS} FROM tokens WHERE token_hash = $1", token_hash
        )
        return token_from_row(rows[0], self._dialect.unstamp) if rows else None

    async def tokens(self) -> list[TokenRecord]:
        rows = await self._read(f"SELECT {TOKEN_COLUMNS} FROM tokens ORDER BY created_at")
        return [token_from_row(r, self._dialect.unstamp) for r in rows]

    async def revoke_token(self, token_id: str, at: datetime) -> bool:
        stamp = self._dialect.stamp

        async def revoke(tx: Tx) -> bool:
            changed = await tx.execute(
                "UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                stamp(at),
                token_id,
            )
            return changed > 0

        return await self._write(revoke)
