"""One process limit shared by the checker's sandbox and the class report's supervisor (standard library only)."""
from __future__ import annotations

import os


def limit_address_space(extra: int) -> None:
    """Let this process (and what it starts) map at most ``extra`` bytes beyond what it maps now (Linux).

    ``RLIMIT_AS`` counts address space, not memory touched: a process that maps more gets MemoryError.
    The limit never rises above the hard limit already set.
    """
    import resource

    try:
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        mapped = 0
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    limit = mapped + extra if hard == resource.RLIM_INFINITY else min(mapped + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
