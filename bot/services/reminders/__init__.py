"""Reminders: deadlines, who follows them, the plan of reminders and their delivery.

The package's modules:

- `subscriptions`: who follows which deadlines, and the plan of reminders kept in
  the database (re-planned in the same transaction as every change);
- `areas`: which centre and directorate a person belongs to;
- `schedule`: offsets, quiet hours, when each reminder is due (pure);
- `delivery`: the dispatcher that claims due reminders and hands them to a sender;
- `deadlines`: the dates the staff enter (validation, create, edit, move, delete),
  `deadline_files`: their YAML import and export;
- `calendar`: the personal calendar feed's tokens and the .ics document.

Importing the package gives the subscription API (`reminders.subscribe(...)`), the
feature's most used entry point; the other modules are imported by name.
"""

from bot.services.reminders.areas import (
    Area,
    AreaChoice,
    area_choices,
    area_label,
    areas_of,
    concerns,
    school_area,
)
from bot.services.reminders.subscriptions import (
    DELIVERIES,
    EXPIRED,
    FAILED,
    KINDS,
    MOVED,
    PENDING,
    SENDING,
    SENT,
    SUPERSEDED,
    UNKNOWN,
    FollowedDeadline,
    PlanChanges,
    ReminderRules,
    SubscriptionView,
    choosable_offsets,
    choose_area,
    followed_deadlines,
    followers_of,
    get_subscription,
    pending_filter,
    replan_all,
    replan_deadline,
    replan_users,
    set_area,
    set_kinds,
    set_offsets,
    stop,
    subscribe,
)

__all__ = [
    "DELIVERIES",
    "EXPIRED",
    "FAILED",
    "KINDS",
    "MOVED",
    "PENDING",
    "SENDING",
    "SENT",
    "SUPERSEDED",
    "UNKNOWN",
    "Area",
    "AreaChoice",
    "FollowedDeadline",
    "PlanChanges",
    "ReminderRules",
    "SubscriptionView",
    "area_choices",
    "area_label",
    "areas_of",
    "choosable_offsets",
    "choose_area",
    "concerns",
    "followed_deadlines",
    "followers_of",
    "get_subscription",
    "pending_filter",
    "replan_all",
    "replan_deadline",
    "replan_users",
    "school_area",
    "set_area",
    "set_kinds",
    "set_offsets",
    "stop",
    "subscribe",
]
