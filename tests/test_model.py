import itertools
import json

import pytest
import torch

from zhtagger.config import config_dict
from zhtagger.core.model import Direction, Merge, SequenceTagger, TaggerConfig, reverse_padded
from zhtagger.core.summary import count_parameters, summary

COMBINATIONS = [("forward", "concat"), ("backward", "concat")] + [("bidirectional", m.value) for m in Merge]


def lstm_params(input_size: int, hidden: int) -> int:
    # PyTorch keeps two bias vectors (b_ih, b_hh) per gate; Keras keeps one.
    return 4 * (hidden * (input_size + hidden) + 2 * hidden)


@pytest.mark.parametrize("direction,merge", COMBINATIONS)
def test_shapes_and_parameter_counts(direction, merge):
    config = TaggerConfig(n_outputs=3, n_features=2, hidden=7, direction=direction, merge=merge)
    model = SequenceTagger(config)
    logits = model(torch.rand(4, 5, 2))
    assert logits.shape == (4, 5, 3)
    directions = 2 if direction == "bidirectional" else 1
    lstm_out = 14 if (direction, merge) == ("bidirectional", "concat") else 7
    assert count_parameters(model) == directions * lstm_params(2, 7) + lstm_out * 3 + 3
    assert f"{count_parameters(model):,}" in summary(model, 5)


def test_reference_model_has_21301_parameters():
    model = SequenceTagger(TaggerConfig(n_outputs=1, n_features=1, hidden=50))
    assert count_parameters(model) == 21_301  # Keras reports 20,901: one bias vector per gate there
    table = summary(model, 10)
    assert "(None, 10, 100)" in table and "Total params: 21,301" in table


def test_token_id_channels_are_embedded_and_concatenated():
    config = TaggerConfig(n_outputs=4, vocab_sizes=(30, 50), embedding_dims=(8, 6), hidden=5, layers=2)
    model = SequenceTagger(config)
    ids = torch.randint(1, 30, (3, 9, 2))
    assert model(ids).shape == (3, 9, 4)
    with pytest.raises(ValueError, match=r"\(batch, steps, 2\)"):
        model(torch.randint(1, 30, (3, 9, 3)))


@pytest.mark.parametrize("direction,merge", COMBINATIONS)
@pytest.mark.parametrize("inputs", ["features", "ids"])
def test_padded_batch_equals_one_by_one(direction, merge, inputs):
    torch.manual_seed(0)
    if inputs == "features":
        config = TaggerConfig(n_outputs=2, n_features=3, hidden=6, layers=2, direction=direction, merge=merge)
        sequences = [torch.rand(n, 3) for n in (7, 3, 5, 1)]
    else:
        config = TaggerConfig(n_outputs=2, vocab_sizes=(20,), embedding_dims=(4,), hidden=6, direction=direction,
                              merge=merge)
        sequences = [torch.randint(1, 20, (n,)) for n in (7, 3, 5, 1)]
    model = SequenceTagger(config).eval()
    lengths = torch.tensor([len(s) for s in sequences])
    # Padding holds large garbage: a direction that read it would change the outputs.
    padded = torch.nn.utils.rnn.pad_sequence(sequences, batch_first=True, padding_value=0)
    if inputs == "features":
        padded[torch.arange(7).unsqueeze(0) >= lengths.unsqueeze(1)] = 1e3
    batched = model(padded, lengths)
    for i, sequence in enumerate(sequences):
        alone = model(sequence.unsqueeze(0))
        torch.testing.assert_close(batched[i, : len(sequence)], alone[0], rtol=1e-5, atol=1e-5)


def test_reverse_padded_reverses_within_length_only():
    x = torch.arange(8.0).view(2, 4, 1)
    out = reverse_padded(x, torch.tensor([3, 4]))
    assert out[..., 0].tolist() == [[2, 1, 0, 3], [7, 6, 5, 4]]


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(hidden=0), "hidden must be a positive integer"),
        (dict(merge="max"), "merge must be one of concat, sum, mul, ave; got 'max'"),
        (dict(direction="up"), "direction must be one of forward, backward, bidirectional"),
        (dict(layers=-1), "layers must be a positive integer"),
        (dict(dropout=1.0), "dropout must be in"),
        (dict(vocab_sizes=(10,), embedding_dims=(4,)), "not both or neither"),
    ],
)
def test_invalid_config_names_the_option(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        TaggerConfig(**{"n_outputs": 1, "n_features": 1, **kwargs})


def test_config_round_trips_through_dict():
    for direction, merge in itertools.product(Direction, Merge):
        config = TaggerConfig(n_outputs=2, vocab_sizes=(5,), embedding_dims=(3,), direction=direction, merge=merge)
        assert TaggerConfig(**json.loads(json.dumps(config_dict(config)))) == config
