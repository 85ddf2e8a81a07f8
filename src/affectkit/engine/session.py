"""A Ray session for one command: connect to a cluster (``--address``) or start a local Ray on this
machine (``--num-cpus``), and always shut it down. Ray is the ``ray`` extra, imported only here."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any, Iterator

from affectkit.core.errors import DependencyError, InputError

OBJECT_STORE_MB = 500  # a local Ray's shared-memory object store: small, the machine is shared


def require_ray() -> Any:
    """The ``ray`` module, or DependencyError naming the extra."""
    try:
        import ray
        import ray.data  # noqa: F401  (the batch engine's operations)
    except ImportError:
        raise DependencyError("--engine ray needs Ray: pip install 'affectkit[ray]'") from None
    return ray


@contextmanager
def ray_session(address: str | None = None, num_cpus: int | None = None,
                object_store_mb: int = OBJECT_STORE_MB) -> Iterator[Any]:
    """``ray`` initialised for the block: joined to ``address`` (``auto``: the cluster started on this
    machine with ``ray start``; ``ray://HOST:10001``: a remote one through Ray Client), else a local
    Ray with ``num_cpus`` CPUs (None: all). A session the caller already opened (a test's) is used
    as it is and left open. InputError when the cluster cannot be reached."""
    ray = require_ray()
    if ray.is_initialized():
        yield ray
        return
    if address and num_cpus is not None:
        raise InputError("--num-cpus is for a local Ray; a cluster given with --address has its own CPUs")
    kwargs: dict[str, Any] = dict(logging_level=logging.WARNING, log_to_driver=False, include_dashboard=False)
    try:
        if address:
            ray.init(address=address, **kwargs)
        else:
            ray.init(num_cpus=num_cpus, object_store_memory=object_store_mb << 20, **kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if address and _auth_refused(exc):  # Ray's own message says only "Failed to connect"
            why = ("it wants its authentication token: set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN (or "
                   "RAY_AUTH_TOKEN_PATH) to the cluster's token")
        raise InputError(f"cannot start or reach {where}: {why}") from None
    try:
        yield ray
    finally:
        ray.shutdown()


def _auth_refused(exc: BaseException) -> bool:
    """Whether connecting failed because the cluster requires token authentication (Ray raises a
    ConnectionError caused by an AuthenticationError)."""
    seen = 0
    while exc is not None and seen < 10:
        if type(exc).__name__ == "AuthenticationError":
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def cluster_cpus(ray: Any) -> float:
    """The CPUs the Ray cluster offers (at least 1)."""
    return max(1.0, float(ray.cluster_resources().get("CPU", 1.0)))
