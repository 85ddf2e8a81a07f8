"""engine.session: why a Ray cluster could not be reached, in words."""
import pytest


def test_a_cluster_wanting_a_token_is_named():
    from affectkit.engine.session import _auth_refused

    ray_exceptions = pytest.importorskip("ray.exceptions")
    try:
        try:
            raise ray_exceptions.AuthenticationError("token is missing")
        except ray_exceptions.AuthenticationError as inner:
            raise ConnectionError("Failed to connect to Ray cluster at 10.0.0.1:6379") from inner
    except ConnectionError as exc:
        assert _auth_refused(exc)
    assert not _auth_refused(ConnectionError("Failed to connect"))
