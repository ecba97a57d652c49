"""The tests that share a module-scoped fixture carry their module's xdist group, and under
`--dist loadgroup` (make test) the group reaches the node id, which is what keeps them on one worker."""
import pytest


@pytest.fixture(scope="module")
def shared():
    return object()


def test_a_test_with_a_module_fixture_is_grouped_by_its_module(request, shared):
    groups = [m.args[0] for m in request.node.iter_markers("xdist_group")]
    assert groups == [__name__]
    if hasattr(request.config, "workerinput") and request.config.getvalue("loadgroup"):
        assert request.node.nodeid.endswith(f"@{__name__}"), request.node.nodeid


def test_a_test_without_one_is_not(request):
    assert list(request.node.iter_markers("xdist_group")) == []
