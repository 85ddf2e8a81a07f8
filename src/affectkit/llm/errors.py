"""Typed errors of the LLM backends. Each has a short ``kind`` that batch results record per
item (``unreachable timeout http model_missing malformed truncated refusal``), so one bad
reply is counted and reported, never a traceback that ends the batch."""
from __future__ import annotations

from affectkit.core.errors import AffectkitError


class LLMError(AffectkitError):
    """Something went wrong asking an LLM; ``kind`` names what, for per-item records."""

    kind = "error"

    def record(self) -> dict:
        """The error as it is stored in an output record: ``{"kind", "message"}``."""
        return {"kind": self.kind, "message": str(self)}


class LLMUnreachable(LLMError):
    """No server answers at the base URL (connection refused, DNS, network)."""

    kind = "unreachable"


class LLMTimeout(LLMError):
    """The server took longer than the client's timeout (after the allowed retries)."""

    kind = "timeout"


class LLMHTTPError(LLMError):
    """The server answered with an HTTP error status (after retries for 429 and 5xx).
    ``retry_after``: the seconds the server asked the client to wait (its ``Retry-After``), if any."""

    kind = "http"

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class LLMModelMissing(LLMHTTPError):
    """The server does not serve the requested model (or the GGUF file does not exist)."""

    kind = "model_missing"


class LLMReplyError(LLMError):
    """The reply cannot be used: not JSON, not the shape asked for, or a label outside the set."""

    kind = "malformed"


class LLMTruncated(LLMReplyError):
    """The reply was cut off by the token limit (finish_reason "length") before it was complete."""

    kind = "truncated"


class LLMRefusal(LLMReplyError):
    """The model declined to answer ("I'm sorry, I can't..."), or the server flagged a refusal."""

    kind = "refusal"
