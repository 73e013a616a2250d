"""Joining rules (入会条件) and the card fee (卡费): who may become a member, what they paid."""
