"""Course content checked like code: every hidden key recomputed, the planted data, misconception files,
quiz banks, common mistakes, committed notebooks, and the README's module table."""
