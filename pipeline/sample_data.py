"""Generated page views of known shape, written straight into the raw tables (so the
materialized views fill the rollups as they would from the pipeline): for trying the
dashboards without traffic (`rum sample-data`), for their tests, and the screenshot.

Timings are lognormal; 1 view in 50 is a 5xx; Server-Timing `db`, `render` and
`cache` on every view; a few JavaScript errors. Rows are flagged `gen…` in their id."""

from dataclasses import dataclass
from datetime import datetime

from clickhouse_connect.driver.client import Client

ROUTES = ("/", "/products/:id", "/cart", "/checkout", "/search", "/account", "/blog/:id")


@dataclass(frozen=True)
class Shape:
    site: str
    views: int
    end: datetime
    hours: int = 24
    seed: int = 1


PAGE_VIEWS = """
INSERT INTO rum.page_views (site, page_view_id, seq, ts, received_at, url, route,
    navigation_type, response_status, device_class, browser, os, country,
    activation_start, fetch_start, response_start, response_end, dom_interactive,
    load_event_start, load_event_end, ttfb, fcp, lcp, inp, cls, counted)
SELECT
    {site:String},
    concat('gen', toString({seed:UInt32}), '-', toString(number)),
    0,
    ts,
    ts,
    concat('https://', {site:String}, replaceAll(route, ':id', toString(number % 97))),
    route,
    ['navigate', 'navigate', 'navigate', 'reload', 'back_forward'][1 + sipHash64(number, 3) % 5],
    if(sipHash64(number, 4) % 50 = 0, [500, 502, 503][1 + number % 3], 200),
    ['desktop', 'desktop', 'mobile', 'mobile', 'tablet'][1 + sipHash64(number, 5) % 5],
    ['Chrome', 'Chrome', 'Safari', 'Firefox', 'Edge'][1 + sipHash64(number, 6) % 5],
    ['Windows', 'macOS', 'iOS', 'Android', 'Linux'][1 + sipHash64(number, 7) % 5],
    ['US', 'DE', 'GB', 'BR', 'IN', 'JP'][1 + sipHash64(number, 8) % 6],
    0, 1,
    ttfb_v, ttfb_v + 20, ttfb_v + 200,
    load_v, load_v + 5,
    ttfb_v,
    fcp_v,
    fcp_v + exp(5.5 + 0.8 * randNormal(0, 1)),
    if(number % 3 = 0, NULL, exp(4.6 + 0.7 * randNormal(0, 1))),
    abs(0.06 * randNormal(0, 1)),
    true
FROM (
    SELECT number,
           {end:DateTime64(3, 'UTC')} - toIntervalMillisecond(
               sipHash64(number, {seed:UInt32}) % ({hours:UInt32} * 3600000)) AS ts,
           {routes:Array(String)}[1 + sipHash64(number, 2) % length({routes:Array(String)})]
               AS route,
           -- Slower routes have a slower server: the route spreads the medians.
           exp(5.3 + 0.1 * indexOf({routes:Array(String)}, route) + 0.5 * randNormal(0, 1))
               AS ttfb_v,
           ttfb_v + exp(6.2 + 0.5 * randNormal(0, 1)) AS fcp_v,
           fcp_v + exp(6.6 + 0.5 * randNormal(0, 1)) AS load_v
    FROM numbers({views:UInt32})
)
"""

SERVER_TIMINGS = """
INSERT INTO rum.server_timings (site, page_view_id, seq, ts, route, name, duration,
    description, counted)
SELECT site, page_view_id, 0, ts, route, name,
       multiIf(name = 'db', exp(4.0 + 0.6 * randNormal(0, 1)),
               name = 'render', exp(3.5 + 0.4 * randNormal(0, 1)),
               exp(1.0 + 0.5 * randNormal(0, 1))),
       '', true
FROM rum.page_views
ARRAY JOIN ['db', 'render', 'cache'] AS name
WHERE site = {site:String}
  AND startsWith(page_view_id, concat('gen', toString({seed:UInt32}), '-'))
"""

ERRORS = """
INSERT INTO rum.errors (site, page_view_id, seq, ts, route, message, source, line, col,
    counted)
SELECT site, page_view_id, 0, ts, route,
       ['TypeError: Cannot read properties of undefined (reading ''price'')',
        'ReferenceError: gtag is not defined',
        'Unhandled rejection: NetworkError when attempting to fetch resource.'
       ][1 + sipHash64(page_view_id) % 3],
       concat('https://', {site:String}, '/static/app.js'), 1 + sipHash64(page_view_id) % 900, 17,
       true
FROM rum.page_views
WHERE site = {site:String}
  AND startsWith(page_view_id, concat('gen', toString({seed:UInt32}), '-'))
  AND sipHash64(page_view_id, 9) % 25 = 0
"""


def generate(client: Client, shape: Shape) -> None:
    """Write `shape.views` page views of `shape.site` spread over the hours before
    `shape.end`, with their Server-Timing entries and errors."""
    params = {
        "site": shape.site,
        "views": shape.views,
        "end": shape.end,
        "hours": shape.hours,
        "seed": shape.seed,
        "routes": list(ROUTES),
    }
    for statement in (PAGE_VIEWS, SERVER_TIMINGS, ERRORS):
        client.command(statement, parameters=params)
