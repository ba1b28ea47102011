"""Restrictions: every reason a member may not write — a mute, a pending CAPTCHA, an antiflood mute — kept as
one row each (`moderation_restrictions`), and Telegram told what all of them together allow.

Telegram keeps one set of permissions per member: a restrictChatMember replaces the last. When each concern
sent its own (a CAPTCHA's release granting everything, an unmute timer granting everything), lifting one
restriction lifted the others: a muted member could leave, rejoin and solve the CAPTCHA to be unmuted; an unmute
timer firing during a pending CAPTCHA let the newcomer write without answering. Now every imposition and every
release goes through `service.change`, which computes the member's effective permissions from all their running
restrictions and sends that (service.py says how, and how concurrent changes of one member are serialised).

Who imposes and releases what:

- `mute`: imposed by /mute, the warning limit's mute (commands), and a CAPTCHA failed or expired where the
  group's action is "stay muted" (onboarding); released by its timer (`unmute:<chat>:<user>`) and /free.
- `flood`: imposed by antiflood (onboarding); released by its own timer (`unflood:<chat>:<user>`) and /free.
- `captcha`: imposed by a newcomer's CAPTCHA (onboarding); released by solving it or leaving; at its expiry a
  kick or ban drops it (no restriction is sent: the member is out), "stay muted" turns it into a `mute`.

The reconciler (network) re-applies them when Telegram drifts, and a newcomer who comes back with restrictions
still running (a kick lifts them in Telegram) has them applied again on arrival.

**/free** releases moderation's penalties, `mute` and `flood`, not a CAPTCHA still pending: /free answers for
what staff imposed, and a newcomer freed by staff mid-CAPTCHA would otherwise write without having accepted the
rules, and still be kicked at its expiry: a pending CAPTCHA ends its own way (answered, left, expired). A
CAPTCHA that failed or expired with the action "stay muted" is a `mute` from then on, so /free lifts it.

**Probation stays deletion-based** (onboarding's trust gate), not a permission set here: (1) what probation
forbids is mostly not a Telegram permission — links, mentions and commands are text messages
(`can_send_messages`; `can_add_web_page_previews` only hides previews), so the gate would have to delete them
anyway and probation would be enforced by two mechanisms; (2) trust is network-wide: verifying someone (by a
peer, after N clean messages or days) would mean a restrictChatMember in every chat they are in, a network job
per verification, against one row update today; (3) the gate checks edits as well, which permissions cannot.
"""
