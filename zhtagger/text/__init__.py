"""Text processing, without torch: corpus readers, normalisation, vocabularies, tag schemes, spans that
the model must not break, user dictionaries, the lexicon feature and the SIGHAN scorer."""
