"""The audit log: who changed which record when, with the values before and after."""
