"""Moments in a proposal's life that other parts of this app act on, sent after the change is committed.

- `proposal_decided(proposal)`: a decision was recorded for it (hearing back tells its proposer and
  supporters who asked to hear).
- `proposal_on_agenda(proposal)`: it became an agenda item of its body's next meeting.
"""

from django.dispatch import Signal

proposal_decided = Signal()
proposal_on_agenda = Signal()
