"""The conversation: one turn end to end (clean -> safety cues -> classify -> policy -> reply), the reviewed
answer table and its decision policy, a table of messages at once, and how the policy is measured (scoring,
the confidence floor, the model card)."""
