"""Decoding a transport message into stored records, and naming why the rest is poison."""

from dataclasses import dataclass

import msgspec
import orjson

from pipeline.records import KINDS, RECORD, Record

MAX_MESSAGE_BYTES = 1024 * 1024


class Poison(Exception):
    """A message that can never be stored; it goes to the dead-letter topic."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Decoded:
    records: list[Record]
    rejected: bytes = b""
    """The lines that are not records (newline-delimited): they go to the dead letters."""
    reason: str = ""
    """Why the first rejected line is not a record."""


def decode(value: bytes | None) -> Decoded:
    """A message is one or more records as newline-delimited JSON. A line that is not a
    record is rejected alone: the collector packs up to 256 KiB of a site's beacons
    into one message, and one bad line must not keep the others out of the store.
    Raises Poison when the message as a whole is unusable."""
    if not value:
        raise Poison("empty")
    if len(value) > MAX_MESSAGE_BYTES:
        raise Poison("too_large")
    lines = [line for line in value.splitlines() if line]
    validate = RECORD.decode
    try:
        return Decoded([validate(line) for line in lines])
    except msgspec.DecodeError:  # the base of ValidationError too
        pass  # rare: sort the lines one by one
    records, rejected, reasons = [], [], []
    for line in lines:
        try:
            records.append(validate(line))
        except msgspec.DecodeError as error:
            rejected.append(line)
            reasons.append(_reason(line, error))
    count = f" ({len(rejected)} of {len(lines)} lines)" if len(lines) > 1 else ""
    return Decoded(records, b"\n".join(rejected), reasons[0] + count)


def reason_kind(reason: str) -> str:
    """A dead letter's reason without its details (`invalid_record`, `empty`,
    `too_large`): few enough values to count by."""
    return reason.split(":")[0]


def _reason(line: bytes, error: msgspec.DecodeError) -> str:
    """`invalid_record: {kind}.{field}: {what}`, e.g. `invalid_record: page_view.seq:
    Expected `int` >= 0` (msgspec says `... - at `$.seq``)."""
    what, _, where = str(error).partition(" - at `$")
    return f"invalid_record: {_kind(line)}{where.rstrip('`')}: {what}"


def _kind(line: bytes) -> str:
    try:
        fields = orjson.loads(line)
    except orjson.JSONDecodeError:
        return "record"
    kind = fields.get("kind") if isinstance(fields, dict) else None
    return kind if isinstance(kind, str) and kind in KINDS else "record"
