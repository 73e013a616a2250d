"""Opt-outs: one-click unsubscribe links in emails and SMS replies (T, 退订…) stop
marketing on the channel at once, and go to customer as the member's consent change."""
