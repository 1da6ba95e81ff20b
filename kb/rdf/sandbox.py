"""The second gate of the SPARQL endpoint: the process that runs a query cannot reach the network.

Called in the forked child that runs one query, before the query is parsed. On Linux two kernel
mechanisms are stacked, so either alone still holds:

- a new, empty network namespace (unshare CLONE_NEWNET, or CLONE_NEWUSER|CLONE_NEWNET where
  user namespaces are allowed): the child has no interface but a loopback that is down, so no
  address, 127.0.0.1 included, can be reached;
- a seccomp filter that fails `socket()` for every family but AF_UNIX (and io_uring, which could
  open sockets behind seccomp's back) with EACCES, for this process and any thread it starts.

The seccomp filter is required: if it cannot be installed the query is not run (fail closed). The
namespace is best effort (it needs privileges some systems withhold), and `Sandbox.layers` says
which layers hold. Elsewhere than Linux on x86-64 or arm64 neither exists; see the README.
Memory is bounded with RLIMIT_AS, counted from the child's size at fork.
"""
from __future__ import annotations

import ctypes
import os
import platform
import resource
import struct
import sys
from dataclasses import dataclass, field

_CLONE_NEWNET, _CLONE_NEWUSER = 0x40000000, 0x10000000
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_RET_ALLOW, _RET_ERRNO, _EACCES = 0x7FFF0000, 0x00050000, 13
_AF_UNIX = 1
# (audit arch, socket, io_uring_setup, syscall numbers at or above this are another ABI)
_ARCHES = {"x86_64": (0xC000003E, 41, 425, 0x40000000), "aarch64": (0xC00000B7, 198, 425, None)}


class SandboxError(Exception):
    """The network could not be closed to the query process; the query must not run."""


@dataclass
class Sandbox:
    layers: list[str] = field(default_factory=list)


def _bpf(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _filter(arch: str) -> bytes:
    """A classic-BPF seccomp program: socket() only for AF_UNIX, no io_uring, no foreign ABI."""
    audit_arch, nr_socket, nr_io_uring, foreign = _ARCHES[arch]
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    deny, allow = _RET_ERRNO | _EACCES, _RET_ALLOW
    program = [
        _bpf(ld, 0, 0, 4),                      # 0: A = seccomp_data.arch
        _bpf(jeq, 1, 0, audit_arch),            # 1: native arch? go to 3
        _bpf(ret, 0, 0, deny),                  # 2: another ABI (i386 on x86-64): refused
        _bpf(ld, 0, 0, 0),                      # 3: A = seccomp_data.nr
        _bpf(jge, 0, 1, foreign) if foreign else _bpf(jeq, 0, 1, 0xFFFFFFFF),  # 4: x32 ABI: refused
        _bpf(ret, 0, 0, deny),                  # 5
        _bpf(jeq, 0, 1, nr_io_uring),           # 6
        _bpf(ret, 0, 0, deny),                  # 7
        _bpf(jeq, 1, 0, nr_socket),             # 8: socket()? go to 10
        _bpf(ret, 0, 0, allow),                 # 9: any other call
        _bpf(ld, 0, 0, 16),                     # 10: A = low word of args[0], the address family
        _bpf(jeq, 0, 1, _AF_UNIX),              # 11
        _bpf(ret, 0, 0, allow),                 # 12: AF_UNIX
        _bpf(ret, 0, 0, deny),                  # 13: AF_INET, AF_INET6, AF_PACKET, AF_NETLINK, ...
    ]
    return b"".join(program)


def _install_seccomp(libc) -> None:
    arch = platform.machine()
    if sys.byteorder != "little" or arch not in _ARCHES:
        raise SandboxError(f"no seccomp filter is written for {arch}")
    program = _filter(arch)
    buffer = ctypes.create_string_buffer(program)

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Fprog(len(program) // 8, ctypes.addressof(buffer))
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SandboxError(f"prctl(NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise SandboxError(f"seccomp filter refused by the kernel: {os.strerror(ctypes.get_errno())}")


def _unshare_network(libc) -> bool:
    return any(libc.unshare(flags) == 0 for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET))


def _virtual_size() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def limit_memory(extra_bytes: int) -> None:
    """Cap the address space at its current size plus extra_bytes (a forked child starts as big as its parent)."""
    ceiling = _virtual_size() + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))


def close_network() -> Sandbox:
    """Cut this process off the network for good; SandboxError where the kernel will not."""
    if not sys.platform.startswith("linux"):
        raise SandboxError(f"no kernel sandbox on {sys.platform}")
    libc = ctypes.CDLL(None, use_errno=True)
    sandbox = Sandbox()
    if _unshare_network(libc):
        sandbox.layers.append("network namespace")
    _install_seccomp(libc)
    sandbox.layers.append("seccomp")
    return sandbox
