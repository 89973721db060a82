"""Runs a command in a pseudo-terminal, as a user at a keyboard would, and prints its output.

    python3 pty_run.py '<steps as JSON: [[text to type, seconds to wait after], ...]>' cmd args...

Each step types its text (use "\\r" for Enter, "\\u0003" for Ctrl+C), then reads output for
its seconds. Output goes to stdout when the steps are done; the command is then killed.
"""
import json
import os
import pty
import select
import signal
import sys
import time

steps = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])

out = b""


def read_for(seconds):
    global out
    end = time.time() + seconds
    while time.time() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                return


for text, seconds in steps:
    if text:
        os.write(fd, text.encode())
    read_for(seconds)

try:
    os.kill(pid, signal.SIGKILL)
except ProcessLookupError:
    pass
sys.stdout.write(out.decode(errors="replace"))
