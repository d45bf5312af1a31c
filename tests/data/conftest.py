"""Test data is never collected: the real-world corpora have test modules of other projects."""

collect_ignore_glob = ["*"]
