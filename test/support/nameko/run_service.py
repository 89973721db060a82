"""Runs the services of interop_service.py on real Nameko until stdin closes.

    python3 run_service.py <amqp uri>

Prints READY once the service consumes. The nameko CLI is not used: a source checkout has no
installed distribution, which `nameko run` looks up for its version.
"""
import eventlet

eventlet.monkey_patch()

from eventlet import tpool  # noqa: E402

import sys  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from interop_service import PyService, SharedService  # noqa: E402

config = {"AMQP_URI": sys.argv[1]}
try:
    runner = ServiceRunner(config)
except TypeError:
    # Nameko 3: one global config, and a runner without arguments.
    import nameko

    nameko.config.update(config)
    runner = ServiceRunner()
runner.add_service(PyService)
runner.add_service(SharedService)
runner.start()
sys.stdout.write("READY\n")
sys.stdout.flush()
# Blocks in a green thread until the test closes stdin, then stops gracefully.
tpool.execute(sys.stdin.read)
runner.stop()
