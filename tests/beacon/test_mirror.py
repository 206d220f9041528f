"""The msgspec mirror of the wire contract accepts exactly what the pydantic contract
accepts, with the same values: every field of a complete beacon replaced in turn by
hostile and boundary values, removed, and joined by unknown fields. (The one known
difference, a key given twice whose first value is invalid, is settled by
beacon.ingest.parse: tests/security/test_hostile_input.py.)"""

import json
from typing import Annotated, Literal

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from beacon.mirror import mirror
from beacon.schema import Beacon
from tests.support import make_beacon

WIRE = msgspec.json.Decoder(mirror(Beacon))


def complete_beacon() -> dict:
    """A beacon with every part the snippet can send."""
    return make_beacon(
        "shop",
        seq=2,
        route="/products/:id",
        view="soft",
        start=1200.5,
        ttfb=180.4,
        lcp={"v": 1850.2, "el": "img.hero", "url": "https://cdn.example/hero.jpg"},
        cls={"v": 0.12, "el": "div.banner"},
        inp={
            "v": 240,
            "type": "pointerdown",
            "el": "button#buy",
            "delay": 12,
            "proc": 180,
            "pres": 48,
        },
        lt={"n": 3, "ms": 420.5},
        err=[
            {"m": "TypeError: x is undefined", "s": "https://shop.example/app.js", "l": 10, "c": 4}
        ],
        timings={"checkout": 312.5},
        st=[{"n": "db", "d": 53.2, "desc": "queries"}],
        res={
            "sum": [
                {
                    "i": "img",
                    "n": 12,
                    "bytes": 400000,
                    "ms": 2400.5,
                    "max": 900.1,
                    "hit": 3,
                    "tp": 2,
                }
            ],
            "slow": [
                {"u": "https://cdn.example/hero.jpg", "i": "img", "ms": 900.1, "bytes": 250000}
            ],
        },
        ctx={
            "ect": "4g",
            "rtt": 50,
            "dl": 10.5,
            "mem": 8,
            "cpu": 8,
            "vw": 1280,
            "vh": 720,
            "vis": "visible",
        },
    )


NUMBERS = [
    -1,
    -0.001,
    0,
    0.5,
    1,
    1.0,
    2.5,
    63,
    64,
    65,
    1000,
    1001,
    3_600_000,
    3_600_000.1,
    100_000,
    100_001,
    1_000_000,
    1_000_001,
    10_000_000_000,
    10_000_001_000,
    1_500_000_000_000,
    4_100_000_000_001,
    2**63,
    2**64 + 1,
    True,
    False,
    None,
]
RAW_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1E2", "1.0e0", "-0"]
STRINGS = [
    "",
    "x",
    "abc\n",
    "pv12345678\n",
    "navigate",
    "soft",
    "https://a.example/",
    "é" * 64,
    *("a" * n for n in (7, 8, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 513)),
    *("https://a.example/" + "p" * (n - 18) for n in (4096, 4097)),
]
OTHERS = [[], {}, [1], {"x": 1}]


def leaves(value: object, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [path] + [leaf for key, item in value.items() for leaf in leaves(item, (*path, key))]
    if isinstance(value, list):
        return [path] + [leaf for i, item in enumerate(value) for leaf in leaves(item, (*path, i))]
    return [path]


def replaced(document: dict, path: tuple, value: object) -> dict:
    copy = json.loads(json.dumps(document))
    *parents, last = path
    target = copy
    for key in parents:
        target = target[key]
    if value is _REMOVED:
        del target[last]
    else:
        target[last] = value
    return copy


_REMOVED = object()
_RAW = "\x00raw\x00"


def variants() -> list[bytes]:
    document = complete_beacon()
    bodies = []
    for path in leaves(document):
        if not path:
            continue
        for value in [*NUMBERS, *STRINGS, *OTHERS, _REMOVED]:
            bodies.append(json.dumps(replaced(document, path, value)).encode())
        for raw in RAW_NUMBERS:
            text = json.dumps(replaced(document, path, _RAW))
            bodies.append(text.replace(json.dumps(_RAW), raw).encode())
        parent = replaced(document, path, None)
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict):  # an unknown field beside this one
            bodies.append(json.dumps(replaced(document, (*path[:-1], "zz_unknown"), 1)).encode())
        if isinstance(parent, list):  # one item more
            bodies.append(json.dumps(replaced(document, path[:-1], [*parent, parent[0]])).encode())
    bodies += [
        b"",
        b"{}",
        b"[]",
        b"null",
        b"{",
        b"\xff",
        json.dumps(document).encode().replace(b"shop", b"sh\xffop"),
        json.dumps(document).encode() + b"x",
        json.dumps(document).replace('"seq": 2', '"seq": 2, "seq": 3').encode(),
        json.dumps(document).replace('"checkout"', '"\\ud800"').encode(),
        json.dumps(document).replace('"shop",', '"sh\\u0000op",').encode(),
        json.dumps({**document, "timings": {f"t{i}": 1 for i in range(21)}}).encode(),
        json.dumps({**document, "nav": {**document["nav"], "fetch_start": 5}}).encode(),
        json.dumps(make_beacon("shop")).encode(),
    ]
    return bodies


def decoded_by_both(body: bytes) -> tuple[object, object]:
    """What the contract makes of a body (pydantic, on a body that is JSON: its parser
    also takes NaN and Infinity), and what the mirror makes of it."""
    try:
        json.loads(body, parse_constant=not_json)
        expected = Beacon.model_validate_json(body).model_dump(by_alias=True)
    except (ValidationError, ValueError):
        expected = "refused"
    try:
        actual = msgspec.to_builtins(WIRE.decode(body))
    except ValueError:
        actual = "refused"
    return expected, actual


def not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def test_the_mirror_accepts_exactly_the_documents_the_contract_accepts():
    bodies = variants()
    disagreements = [
        (body[:300], expected if expected == "refused" else "accepted", actual)
        for body in bodies
        for expected, actual in [decoded_by_both(body)]
        if expected != actual
    ]
    assert len(bodies) > 3000
    assert disagreements == []


JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=600),
    lambda children: (
        st.lists(children, max_size=25)
        | st.dictionaries(st.text(max_size=70), children, max_size=25)
    ),
    max_leaves=30,
)
PATHS = [path for path in leaves(complete_beacon()) if path]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), JSON)
def test_any_value_anywhere_is_judged_alike(path, value):
    body = json.dumps(replaced(complete_beacon(), path, value)).encode()
    expected, actual = decoded_by_both(body)
    assert expected == actual


def test_a_complete_beacon_decodes_to_the_contracts_values():
    body = json.dumps(complete_beacon()).encode()
    beacon = WIRE.decode(body)
    assert beacon.nav.response_start == 180.4
    assert beacon.inp.proc == 180 and beacon.res.slow[0].u == "https://cdn.example/hero.jpg"
    assert msgspec.to_builtins(beacon) == Beacon.model_validate_json(body).model_dump(by_alias=True)


class Small(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=r"^[a-z]+$", max_length=8)]
    ratio: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0
    tags: Annotated[list[Literal["a", "b"]], Field(max_length=2, default_factory=list)]

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, name: str) -> str:
        if name == "admin":
            raise ValueError("reserved")
        return name


@pytest.mark.parametrize(
    ("body", "accepted"),
    [
        (b'{"name": "abc"}', True),
        (b'{"name": "abc\\n"}', False),  # Python's $ would match before the newline
        (b'{"name": "abcdefghi"}', False),
        (b'{"name": "admin"}', False),  # the field validator runs
        (b'{"name": "abc", "ratio": 1e400}', False),  # infinity, with no upper bound given
        (b'{"name": "abc", "ratio": -1}', False),
        (b'{"name": "abc", "ratio": "1"}', False),  # strict: no coercion
        (b'{"name": "abc", "tags": ["a", "b", "a"]}', False),
        (b'{"name": "abc", "tags": ["c"]}', False),
        (b'{"name": "abc", "other": 1}', False),
    ],
)
def test_a_mirror_keeps_each_kind_of_check(body, accepted):
    decoder = msgspec.json.Decoder(mirror(Small))
    try:
        decoder.decode(body)
        mirrored = True
    except msgspec.ValidationError:
        mirrored = False
    assert mirrored is accepted
    try:
        Small.model_validate_json(body)
        assert accepted
    except ValidationError:
        assert not accepted


def test_what_it_cannot_mirror_is_refused_when_built():
    class Lax(BaseModel):
        n: int

    class Coercing(BaseModel):
        model_config = ConfigDict(strict=True)
        n: Annotated[int, Field(multiple_of=2)]

    for model in (Lax, Coercing):
        with pytest.raises(TypeError):
            mirror(model)
