"""The PostgreSQL advisory lock that serialises ledger appends: taken by `audit_append` (migration 0007,
which writes the number out) and by a checkpoint (services._lock_ledger)."""

# Any constant works; it names the PostgreSQL advisory lock that serialises appends.
LEDGER_LOCK_ID = 7_305_514_211
