"""The deep-ensemble trial of a company bot (``Recipe.members``, 1 = off): members fine-tune the top layers from the
same cached lower states, each with its own seed and draw of the built-in fine-tuning negatives; the head, the gate
and the kNN memory see the members' unit vectors joined into one unit vector. No data kit: the shipped MiniLM with
random top-layer deltas, and a small slice of the built-in bank."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from bank_bot_helpers import unit

from bankbot.company.recipe import Recipe, member_negatives
from bankbot.models.encoder import MemberEncoders, MiniLM, join_members, with_members


def test_one_member_is_todays_recipe():
    assert Recipe().members == 1
    head_neg = np.arange(100, 2100)
    assert np.array_equal(member_negatives(head_neg, Recipe(), 0), head_neg[:600])  # today's fine-tuning negatives
    one = unit(np.random.default_rng(0).standard_normal((4, 6)))
    assert join_members([one]) is one


def test_each_member_draws_its_own_negatives_from_the_heads_the_same_way_every_run():
    head_neg = np.arange(100, 2100)
    draws = [member_negatives(head_neg, Recipe(), m) for m in range(3)]
    assert all(len(d) == 600 and len(set(d)) == 600 and set(d) <= set(head_neg) for d in draws)
    assert len(set(draws[1]) & set(draws[2])) < 400 and not np.array_equal(draws[0], draws[1])
    assert np.array_equal(draws[2], member_negatives(head_neg, Recipe(), 2))
    assert len(member_negatives(head_neg[:50], Recipe(), 1)) == 50  # a small bank: all of it


def test_joined_vectors_are_unit_and_their_cosine_is_the_members_mean_cosine():
    rng = np.random.default_rng(1)
    members = [unit(rng.standard_normal((5, 8))) for _ in range(3)]
    X = join_members(members)
    assert X.shape == (5, 24) and X.dtype == np.float32
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-6)
    mean_cos = np.mean([m @ m[0] for m in members], axis=0)
    assert np.allclose(X @ X[0], mean_cos, atol=1e-6)


@pytest.fixture(scope="module")
def member_deltas():
    """Two members: the shipped MiniLM with two different random deltas on its top layer."""
    from bankbot.models.finetune import tensor_names
    from bankbot.models.model import frozen_encoder

    enc = frozen_encoder()
    rng = np.random.default_rng(2)
    names = tensor_names(enc, 1)
    deltas = [{n: (0.02 * rng.standard_normal(enc.w[n].shape)).astype(np.float16) for n in names} for _ in "ab"]
    return enc.folder, deltas


def test_the_served_ensemble_runs_the_lower_layers_once_and_equals_each_member_joined(member_deltas):
    folder, deltas = member_deltas
    texts = ["my meter reading is wrong", "hi", "can i pay my gas bill by card please, it is due tomorrow"]
    ensemble = with_members(folder, deltas, layers=1)
    assert isinstance(ensemble, MemberEncoders) and ensemble.hidden == 768
    alone = [MiniLM(folder, d).encode(texts) for d in deltas]
    assert not np.allclose(alone[0], alone[1], atol=1e-3)  # the members differ
    assert np.allclose(ensemble.encode(texts), join_members(alone), atol=1e-5)
    single = with_members(folder, deltas[:1], layers=1)
    assert isinstance(single, MiniLM) and np.allclose(single.encode(texts), alone[0], atol=1e-6)


@pytest.fixture(scope="module")
def bots():
    """A one-member and a two-member company bot trained on the example company (plumbing: one layer, one pass, a
    small bank)."""
    from bankbot.company.data import EXAMPLE_CSV, read_examples
    from bankbot.company.offtopic import load_builtin_bank
    from bankbot.company.recipe import train_company
    from bankbot.models.model import frozen_encoder

    examples = read_examples(EXAMPLE_CSV.read_bytes())
    bank = load_builtin_bank()
    bank = bank.subset(np.random.RandomState(0).permutation(len(bank))[:800])
    small = Recipe(layers=1, epochs=1, finetune_negatives=100, head_negatives=300, check_negatives=100)
    one = train_company(examples, bank, frozen_encoder(), small)
    two = train_company(examples, bank, frozen_encoder(), replace(small, members=2))
    return examples, one, two


@pytest.mark.slow
def test_an_ensemble_company_bot_trains_members_and_gates_in_the_joined_space(bots):
    """Two different deltas, member 0 the same as a one-member run's, a head and a kNN memory as wide as both
    members, the held-out check ran."""
    examples, one, two = bots
    assert len(one.deltas) == 1 and len(two.deltas) == 2 and two.delta is two.deltas[0]
    assert all(np.array_equal(one.delta[n], two.deltas[0][n]) for n in one.delta)  # member 0 is today's run
    assert any(not np.array_equal(two.deltas[0][n], two.deltas[1][n]) for n in one.delta)
    assert one.weight.shape[1] == 384 and two.weight.shape == (len(examples.labels) + 1, 768)
    assert two.memory.shape[1] == 768 and np.allclose(np.linalg.norm(two.memory, axis=1), 1.0, atol=1e-5)
    assert two.metrics["n_in_scope"] == len(examples.texts) and two.recipe["members"] == 2


@pytest.mark.slow
def test_an_ensemble_bots_folder_pins_every_member_and_serves_what_was_trained(bots, tmp_path):
    """write_folder stores one sha256-pinned delta per member; load_company embeds with every member (the served
    vectors are the trained ones) and refuses a folder whose second member is altered or unlisted."""
    import json
    import shutil

    from bankbot.company.card import company_card
    from bankbot.company.folder import load_company, write_folder
    from bankbot.conversation.bot import respond
    from bankbot.conversation.policy import Action

    examples, _, two = bots
    digests = write_folder(tmp_path / "bot", two, {}, "Brightside", company_card("Brightside", two))
    assert {"encoder_delta.safetensors", "encoder_delta_1.safetensors"} <= set(digests)
    model, table = load_company(tmp_path / "bot")
    assert isinstance(model.encoder, MemberEncoders) and model.info["members"] == 2
    texts = list(examples.texts[:5])
    assert np.allclose(model.encoder.encode(texts), two.memory[:5], atol=2e-3)
    assert respond("what is the capital of australia", [], model, table).decision.action == Action.DECLINE

    altered = tmp_path / "altered"
    shutil.copytree(tmp_path / "bot", altered)
    (altered / "encoder_delta_1.safetensors").write_bytes(b"x" + (altered / "encoder_delta_1.safetensors").read_bytes())
    with pytest.raises(ValueError, match="sha256"):
        load_company(altered)
    unlisted = tmp_path / "unlisted"
    shutil.copytree(tmp_path / "bot", unlisted)
    manifest = json.loads((unlisted / "manifest.json").read_text())
    del manifest["sha256"]["encoder_delta_1.safetensors"]
    (unlisted / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="ensemble"):
        load_company(unlisted)
