"""Member flags a journey sets (``benefits_paused`` after 7 idle days, cleared on return): a
string set on the member item, read by journey conditions and the member screens."""
from __future__ import annotations

from chalicelib.members.models import Member


def set_flag(user_id: str, flag: str, value: bool) -> None:
    """Idempotent: adding a flag twice, or removing one that is not set, changes nothing."""
    member = Member(user_id)
    member.update(actions=[Member.flags.add({flag}) if value else Member.flags.delete({flag})])


def flags_of(member: Member | None) -> list[str]:
    return sorted(member.flags or ()) if member is not None else []
