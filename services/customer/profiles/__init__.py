"""Profile lifecycle: edits with optimistic concurrency, consent per channel, lost-card
reissue (挂失补卡), locking (加锁), restricted profiles (加密客户) and deactivation."""
