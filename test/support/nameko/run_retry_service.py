"""Runs retry_service.py's service on real Nameko until stdin closes (see run_service.py).

    python3 run_retry_service.py <amqp uri>
"""
import eventlet

eventlet.monkey_patch()

from eventlet import tpool  # noqa: E402

import sys  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from retry_service import PyRetry  # noqa: E402

runner = ServiceRunner({"AMQP_URI": sys.argv[1]})
runner.add_service(PyRetry)
runner.start()
sys.stdout.write("READY\n")
sys.stdout.flush()
tpool.execute(sys.stdin.read)
runner.stop()
