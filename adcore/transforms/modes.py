"""Forward or reverse: the mode names every transform accepts, and ``ModeChoice``.

Users write ``"forward"`` or ``"fwd"``, ``"reverse"`` or ``"rev"`` wherever a
transform takes a mode (``jacobian(mode=...)``, ``check_grads(modes=...)``);
``mode_name`` turns either spelling into one canonical name, so no transform
accepts a spelling another one rejects.  The nested modes of ``hvp``
(``"fwd-over-rev"`` ...) are a separate vocabulary, kept in ``second_order``.
"""

import textwrap
from collections import namedtuple

SPELLINGS = {"forward": "forward", "fwd": "forward", "reverse": "reverse", "rev": "reverse"}


def mode_name(mode, where, extra=()):
    """The canonical name ``"forward"`` or ``"reverse"`` of an accepted spelling.

    ``extra`` names further values ``where`` accepts as they are (``"auto"``).
    Anything else raises ``ValueError`` listing every accepted spelling.
    """
    if isinstance(mode, str):
        if mode in extra:
            return mode
        if mode in SPELLINGS:
            return SPELLINGS[mode]
    accepted = [repr(e) for e in extra] + ["'forward' (or 'fwd')", "'reverse' (or 'rev')"]
    raise ValueError(f"{where}: unknown mode {mode!r}; accepted: {', '.join(accepted)}")


def _seconds(t):
    """A duration for reading: 880 us, 1.51 ms, 2.3 s."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t * 1e6:.3g} us"


def _count(n, what):
    return f"{n} {what}" + ("" if n == 1 else "s")


class ModeChoice(namedtuple("ModeChoice", "mode reason n_in n_out est_forward_s est_reverse_s")):
    """``choose_mode``'s decision: the mode, why, the Jacobian's size and both cost estimates.

    A plain namedtuple (compare, unpack, ``_replace`` as usual) that prints on
    three short lines instead of one long one:

        ModeChoice: forward mode for 4 inputs -> 1024 outputs
          estimated forward 880 us, reverse 151 ms
          decided by shape rule (1024/4 >= 2: no probe needed)
    """

    __slots__ = ()

    def __str__(self):
        head = f"ModeChoice: {self.mode} mode for {_count(self.n_in, 'input')} -> " + _count(
            self.n_out, "output"
        )
        estimates = (
            f"  estimated forward {_seconds(self.est_forward_s)}, "
            f"reverse {_seconds(self.est_reverse_s)}"
        )
        # choose_mode ends its reason with the basis of the decision in brackets;
        # the rest of the reason repeats the two lines above
        reason = str(self.reason)
        if reason.endswith("]") and " [" in reason:
            reason = "decided by " + reason[reason.rindex(" [") + 2 : -1]
        why = textwrap.wrap(reason, width=88, initial_indent="  ", subsequent_indent="    ")
        return "\n".join([head, estimates, *why])

    __repr__ = __str__
