"""Decoding a transport message into stored records, or naming why it is poison."""

from pydantic import ValidationError

from pipeline.records import RECORD, Record

MAX_MESSAGE_BYTES = 1024 * 1024


class Poison(Exception):
    """A message that can never be stored; it goes to the dead-letter topic."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode(value: bytes | None) -> list[Record]:
    """A message is one or more records as newline-delimited JSON."""
    if not value:
        raise Poison("empty")
    if len(value) > MAX_MESSAGE_BYTES:
        raise Poison("too_large")
    try:
        return [RECORD.validate_json(line) for line in value.splitlines() if line]
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise Poison(f"invalid_record: {where}: {first['msg']}") from None
