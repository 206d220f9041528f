"""A minimal Starlette route that reads the body and answers 204."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def beacon(request: Request) -> Response:
    await request.body()
    return Response(status_code=204)


app = Starlette(routes=[Route("/v1/beacon", beacon, methods=["POST"])])
