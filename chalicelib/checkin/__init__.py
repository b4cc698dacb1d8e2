"""Daily check-in (签到): streaks on China days, cycle rewards, milestones, make-up (补签)."""
