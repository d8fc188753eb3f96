"""Who is running a job, and whether that process has died.

A worker claims a job by writing a claim token (host and process-id namespace, process id, and a
random part so two claims by the same process differ) with a conditional UPDATE. When a worker process is killed part-way through
(out of memory, a deploy, `kill -9`), Celery gives its message back to the queue
(CELERY_TASK_REJECT_ON_WORKER_LOST) and another process on the same machine receives it at once. That
process can see the claim names a process on its own machine that no longer exists, so it takes the
job over straight away instead of waiting for the claim to go stale. A claim from another machine,
or from a process that still exists (or whose id was reused), is only taken over once it is stale.
"""

import os
import socket
import uuid
from pathlib import Path


def _machine() -> str:
    """This host's name and its process-id namespace: two containers may share a host name (a fixed
    `hostname:`, host networking) yet number their processes separately; then neither may judge the
    other's processes."""
    try:
        namespace = "".join(ch for ch in os.readlink("/proc/self/ns/pid") if ch.isdigit())
    except OSError:
        namespace = "0"
    return f"{socket.gethostname()}/{namespace}"


def new_claim() -> str:
    """A claim token for this process: `host/pid-namespace:pid:random`."""
    return f"{_machine()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _process_exists(pid: int) -> bool:
    """Whether process `pid` is alive here (a zombie, dead but not yet reaped, counts as gone)."""
    if Path("/proc/self").exists():
        try:
            # The state letter follows the command name, which is in brackets and may hold spaces.
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return False
        except (OSError, IndexError):
            return True  # unreadable: assume alive, so the claim is only taken over once stale
        return state not in ("Z", "X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim_is_abandoned(claim: str) -> bool:
    """True when `claim` was made by a process on this machine that has since died."""
    machine, _, rest = claim.partition(":")
    pid_text = rest.partition(":")[0]
    if machine != _machine() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    return pid != os.getpid() and not _process_exists(pid)


def abandoned_claim(running) -> str | None:
    """The claim on `running` (a queryset of one running job) if its process died on this machine."""
    claim = running.values_list("claimed_by", flat=True).first()
    return claim if claim and claim_is_abandoned(claim) else None
