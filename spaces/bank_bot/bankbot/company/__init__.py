"""The company bots ("Make it yours"): a company's own examples and answers checked, its bot trained from them on a
CPU in minutes (with the built-in off-topic bank), written to and loaded from a folder with its card, and the tab's
service (a capped training process per job, publishing)."""
