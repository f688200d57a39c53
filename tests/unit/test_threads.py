"""contexture_lab._threads: one place limits thread pools, and restores them."""

from contexture_lab import _threads


def test_one_thread_limits_every_known_pool_and_restores_it():
    controller = _threads._controller()
    assert controller.info(), "no BLAS pool found: numpy and scipy each load one"
    # start from pools of two threads, so that limiting them to one is visible (the test
    # environment may already run everything on one thread)
    with controller.limit(limits=2):
        before = [pool["num_threads"] for pool in controller.info()]
        assert all(n == 2 for n in before), before
        with _threads.one_thread():
            assert [pool["num_threads"] for pool in controller.info()] == [1] * len(before)
        assert [pool["num_threads"] for pool in controller.info()] == before
    assert _threads._controller() is controller  # the scan happens once per process
