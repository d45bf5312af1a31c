"""Test data is never collected: the real-world corpus has test modules of other projects."""

collect_ignore_glob = ["*"]
