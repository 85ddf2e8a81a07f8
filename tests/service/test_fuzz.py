"""The API fuzzed from its own OpenAPI description (schemathesis, in-process over ASGI): whatever
the request, the answer is never a server error (5xx other than the 501 the spec announces)."""
import tempfile

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from affectkit.service.app import create_app  # noqa: E402
from affectkit.service.config import ServiceConfig  # noqa: E402

TOKEN = "fuzz-token"
APP = create_app(ServiceConfig(data_dir=tempfile.mkdtemp(prefix="affectkit-fuzz-"), token=TOKEN, max_queue=50,
                               max_upload_mb=1))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def warm_pool():
    APP.state.predictor.warm()  # the text model loaded in its process before the clock runs
    yield
    APP.state.predictor.close()


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    # with the token (what a client sends) and, for a share of the cases, without it
    headers = {"Authorization": f"Bearer {TOKEN}"} if hash(repr(case.body)) % 4 else {}
    response = case.call(headers=headers, timeout=120)
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code < 500
