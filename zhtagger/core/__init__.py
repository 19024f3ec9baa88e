"""The shared neural core (torch; knows nothing about text): the LSTM tagger, decoders, the training loop,
checkpoints, and embedding pretraining."""
