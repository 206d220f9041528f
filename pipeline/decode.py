"""Decoding a transport message into stored records, and naming why the rest is poison."""

from dataclasses import dataclass

from pydantic import ValidationError

from pipeline.records import RECORD, Record

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
    validate = RECORD.validator.validate_json  # the adapter's own method is a Python wrapper
    try:
        return Decoded([validate(line) for line in lines])
    except ValidationError:
        pass  # rare: sort the lines one by one
    records, rejected, reasons = [], [], []
    for line in lines:
        try:
            records.append(validate(line))
        except ValidationError as error:
            rejected.append(line)
            reasons.append(_reason(error))
    count = f" ({len(rejected)} of {len(lines)} lines)" if len(lines) > 1 else ""
    return Decoded(records, b"\n".join(rejected), reasons[0] + count)


def reason_kind(reason: str) -> str:
    """A dead letter's reason without its details (`invalid_record`, `empty`,
    `too_large`): few enough values to count by."""
    return reason.split(":")[0]


def _reason(error: ValidationError) -> str:
    first = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"invalid_record: {where}: {first['msg']}"
