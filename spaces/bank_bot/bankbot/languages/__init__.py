"""The languages: which language a customer wrote in, the route of each language through the model, and the
reviewed answers in that language."""
