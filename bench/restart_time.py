"""How long a service takes to serve again after a `kill -9`, with no load: the start-up alone.

    python -m bench.restart_time                                  # scoring and store, three times each
    python -m bench.restart_time --services scoring --rounds 5 --models models --timeline

On a private platform (bench.stack.OwnPlatform, started by the runtime code), each round kills the
service's process with SIGKILL, starts it again as the keeper would (fraudctl.runtime.services) and
times from the kill to SERVING on its gRPC health. `--timeline` prints the new process's log lines
with their time after the kill: where the start-up goes (imports before the first line, the model,
the first inference, the group's assignment). The last line gives the machine's load average: on a
shared machine these times grow with it.
"""

from __future__ import annotations

import argparse
import logging
import os
import pathlib
import signal
import statistics
import time
from datetime import datetime

from bench.stack import OwnPlatform
from fraudctl.runtime.services import ServiceSupervisor

log = logging.getLogger("bench.restart_time")
LOG_TIME_FORMAT = "%Y-%m-%d %H:%M:%S,%f"


def restart_once(supervisor: ServiceSupervisor, name: str) -> tuple[float, list[str]]:
    """Kills `name`, starts it again, and answers the seconds from the kill to SERVING and the new
    process's log lines, each prefixed with its seconds after the kill."""
    service = supervisor.running[name]
    already_logged = service.log_path.stat().st_size
    killed_at = time.time()
    os.kill(service.process.pid, signal.SIGKILL)
    service.process.wait()
    supervisor.start(service.service, service.instance)
    supervisor.wait_ready(name, timeout=180)
    serving_after = time.time() - killed_at
    with open(service.log_path, "rb") as log_file:
        log_file.seek(already_logged)
        lines = log_file.read().decode(errors="replace").splitlines()
    return serving_after, [timed(line, killed_at) for line in lines]


def timed(line: str, since: float) -> str:
    try:
        logged_at = datetime.strptime(line[:23], LOG_TIME_FORMAT).timestamp()
    except ValueError:
        return f"{'':>8}  {line}"
    return f"{logged_at - since:7.2f}s  {line[24:]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", default="scoring,store", help="comma-separated, killed in turn")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models", type=pathlib.Path, help="a models folder to serve (else one is trained)")
    parser.add_argument("--timeline", action="store_true", help="print each restart's log lines")
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    own = OwnPlatform(keep_data=args.keep_data, models_dir=args.models)
    target = own.start()
    assert target.supervisor is not None
    results: dict[str, list[float]] = {}
    try:
        for name in args.services.split(","):
            for round_number in range(1, args.rounds + 1):
                seconds, lines = restart_once(target.supervisor, name)
                results.setdefault(name, []).append(seconds)
                print(f"{name} round {round_number}: SERVING {seconds:.2f} s after the kill", flush=True)
                if args.timeline:
                    print("\n".join(f"    {line}" for line in lines), flush=True)
    finally:
        own.stop()
    for name, times in results.items():
        print(
            f"{name}: kill -9 to SERVING, {len(times)} restarts: median {statistics.median(times):.2f} s, "
            f"min {min(times):.2f} s, max {max(times):.2f} s"
        )
    print("load average (1, 5, 15 min): " + " ".join(f"{load:.2f}" for load in os.getloadavg()))


if __name__ == "__main__":
    main()
