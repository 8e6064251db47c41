"""The vendor API layer: Capillary and Rehook endpoints over the engine, without sockets."""

from rankcore.api.http import Request, Response
from rankcore.api.router import handle

__all__ = ["Request", "Response", "handle"]
