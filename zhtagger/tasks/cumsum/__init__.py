"""The cumulative-sum task, the classic BiLSTM sanity check."""
