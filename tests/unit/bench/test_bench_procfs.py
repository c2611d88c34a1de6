"""Reading memory, CPU time and listening sockets from /proc."""

import os
import socket
import subprocess
import sys

import pytest

from bench import procfs

STATUS = "Name:\tpython\nVmPeak:\t  300000 kB\nVmRSS:\t   81234 kB\nThreads:\t4\n"
# Field 2 (the command) holds a space and a parenthesis, as a process may name itself.
STAT = "4242 (my (odd) name) S 17 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 4 0 100 0 0"
NET_TCP = """  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 55501 1 0 100 0 0 10 0
   1: 0100007F:1F90 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 55502 1 0 20 4 30 10 -1
   2: 0100007F:C350 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 55503 1 0 100 0 0 10 0
"""


def test_rss_is_read_in_bytes():
    assert procfs.parse_rss_bytes(STATUS) == 81234 * 1024


def test_a_status_without_rss_is_refused_by_name():
    with pytest.raises(ValueError, match="VmRSS"):
        procfs.parse_rss_bytes("Name:\tkthreadd\n")


def test_pss_is_read_from_smaps_rollup():
    assert procfs.parse_pss_bytes("00400000-ff [rollup]\nRss:   2000 kB\nPss:    500 kB\n") == 500 * 1024


def test_cpu_time_is_user_plus_system_even_when_the_name_has_spaces_and_parentheses():
    assert procfs.parse_cpu_seconds(STAT, ticks_per_second=100) == pytest.approx(3.25)
    assert procfs.parse_parent_pid(STAT) == 17


def test_the_cpu_of_children_waited_for_counts_only_when_asked():
    parent = STAT.replace(" 250 75 0 0 ", " 250 75 40 10 ")  # utime stime cutime cstime
    assert procfs.parse_cpu_seconds(parent, ticks_per_second=100) == pytest.approx(3.25)
    assert procfs.parse_cpu_seconds(parent, ticks_per_second=100, reaped_children=True) == pytest.approx(3.75)


def test_only_listening_sockets_on_the_port_are_found():
    assert procfs.parse_listen_inodes(NET_TCP, 8080) == {55501}  # the established one on 8080 is not listening
    assert procfs.parse_listen_inodes(NET_TCP, 50000) == {55503}
    assert procfs.parse_listen_inodes(NET_TCP, 9999) == set()


def test_this_process_is_found_by_its_listening_port_and_has_memory_and_cpu_time():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert procfs.pid_listening_on(server.getsockname()[1]) == os.getpid()
    assert procfs.rss_bytes(os.getpid()) > 1024 * 1024
    assert procfs.cpu_seconds(os.getpid()) > 0


def test_a_remembered_listener_is_looked_up_again_once_its_process_is_gone():
    listener = (
        "import socket, time\n"
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind(('127.0.0.1', 0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", listener], stdout=subprocess.PIPE, text=True)
    try:
        port = int(child.stdout.readline())
        listening = procfs.ListeningPids()
        assert listening.pid(port) == child.pid
        assert child.pid in procfs.process_tree(os.getpid())
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    with socket.socket() as server:  # the port's next owner, as a restarted service would be
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen()
        assert listening.pid(port) == os.getpid()
