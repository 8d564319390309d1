"""Where one round trip's instructions go: instructions per function, symbolised with nm."""

from __future__ import annotations

from dataclasses import dataclass

from symbols import FunctionTable


@dataclass
class Share:
    function: str
    instructions: int
    share: float  # of the round trip, 0..1


def per_function(pcs: list[bytes], hypervisor: FunctionTable, guest_start: bytes,
                 guest_end: bytes, guest_label: str) -> list[Share]:
    """Instructions of one round trip per function, most first. PCs inside the guest image
    (the trapping instruction) are named after \\p guest_label."""
    counts: dict[str, int] = {}
    for pc in pcs:
        if guest_start <= pc < guest_end:
            name = f"(guest) {guest_label}"
        else:
            name = hypervisor.function(int(pc, 16))
        counts[name] = counts.get(name, 0) + 1
    total = len(pcs)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [Share(name, n, n / total) for name, n in ranked]


def top(shares: list[Share], limit: int) -> list[Share]:
    """The first \\p limit entries, the rest folded into one "(N other functions)" entry."""
    if len(shares) <= limit:
        return shares
    rest = shares[limit:]
    folded = Share(f"({len(rest)} other functions)", sum(s.instructions for s in rest),
                   sum(s.share for s in rest))
    return shares[:limit] + [folded]


def call_target(pcs: list[bytes], call_pc: int, hypervisor: FunctionTable) -> str | None:
    """The function the instruction after \\p call_pc in this round trip lies in: where a call
    at \\p call_pc went (for an indirect `blr`, what the trace shows it reached)."""
    key = b"%016x" % call_pc
    for i, pc in enumerate(pcs[:-1]):
        if pc == key:
            return hypervisor.function(int(pcs[i + 1], 16))
    return None
