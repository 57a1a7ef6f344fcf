"""Block storage: cached partitions and their bookkeeping on executor and driver."""
