"""Runs a command in a pseudo-terminal, as a user at a keyboard would, and prints its output.

    python3 pty_run.py '<steps as JSON: [[text to type, pattern to wait for], ...]>' cmd args...

Each step types its text (use "\\r" for Enter, "\\u0003" for Ctrl+C), then waits until the output
since that step matches its regular expression (30 s at most, then exits 1). The output goes to
stdout at the end, and the command is killed.
"""
import json
import os
import pty
import re
import select
import signal
import sys
import time

steps = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])

out = ""


def wait_for(pattern, since):
    global out
    deadline = time.time() + 30
    while not re.search(pattern, out[since:]):
        if time.time() > deadline:
            return False
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                out += os.read(fd, 65536).decode(errors="replace")
            except OSError:
                return bool(re.search(pattern, out[since:]))
    return True


status = 0
for text, pattern in steps:
    since = len(out)
    if text:
        os.write(fd, text.encode())
    if not wait_for(pattern, since):
        sys.stderr.write("timed out waiting for %r\n" % pattern)
        status = 1
        break

try:
    os.kill(pid, signal.SIGKILL)
except ProcessLookupError:
    pass
sys.stdout.write(out)
sys.exit(status)
