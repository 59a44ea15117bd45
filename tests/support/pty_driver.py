"""Run a command under a fresh pseudo-terminal (its controlling tty), answer
prompts, and report what appeared on the terminal and how the command ended.

argv[1] is JSON: {"argv": [...], "steps": [{"expect": str, "send": str}],
"timeout": seconds}. Before each answer it waits until the prompt shows AND
the terminal's echo is off (a hidden prompt is ready), so the test never races
the program. Prints JSON: status, transcript, unmet (the prompt never seen),
timed_out. The deadline is a safety net so a hung command fails the test
instead of hanging it."""
import json
import os
import pty
import select
import signal
import sys
import termios
import time

spec = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    try:
        os.execvp(spec["argv"][0], spec["argv"])
    finally:
        os._exit(127)

deadline = time.monotonic() + spec.get("timeout", 60)
out = bytearray()
eof = False


def pump(wait):
    global eof
    ready, _, _ = select.select([fd], [], [], wait)
    if not ready:
        return
    try:
        data = os.read(fd, 4096)
    except OSError:  # EIO: every slave fd is closed, the command is gone
        data = b""
    if data:
        out.extend(data)
    else:
        eof = True


def echo_off():
    try:
        return not termios.tcgetattr(fd)[3] & termios.ECHO
    except termios.error:
        return False


unmet = None
pos = 0
for step in spec.get("steps", []):
    want = step["expect"].encode()
    while out.find(want, pos) < 0 or not echo_off():
        if eof or time.monotonic() > deadline:
            unmet = step["expect"]
            break
        pump(0.05)
    if unmet is not None:
        break
    pos = out.find(want, pos) + len(want)
    os.write(fd, step["send"].encode())

while not eof and time.monotonic() < deadline:
    pump(0.1)
timed_out = not eof
if timed_out:
    os.kill(pid, signal.SIGKILL)
_, status = os.waitpid(pid, 0)
json.dump(
    {
        "status": os.waitstatus_to_exitcode(status),
        "transcript": out.decode("utf-8", "replace"),
        "unmet": unmet,
        "timed_out": timed_out,
    },
    sys.stdout,
)
