"""Out-of-scope scores, the threshold choice and the gate (bankbot.models.oos), for Northwind's distance gate and a
company bot's gate: small synthetic spaces and hand-made vectors, no data kit, no encoder."""

from __future__ import annotations

import numpy as np
import pytest
from bank_bot_helpers import unit, unit64

from bankbot.models import oos


@pytest.fixture
def space():
    """Two intents around the first two axes, out_of_scope as the third label; memory = 5 examples each."""
    rng = np.random.default_rng(0)
    a = unit64(np.eye(8)[0] + 0.1 * rng.normal(size=(5, 8)))
    b = unit64(np.eye(8)[1] + 0.1 * rng.normal(size=(5, 8)))
    weight = np.stack([np.eye(8)[0] * 10, np.eye(8)[1] * 10, np.zeros(8)])
    bias = np.array([0.0, 0.0, 2.0])
    return oos.Space(weight, bias, 2, np.vstack([a, b]), np.array([0] * 5 + [1] * 5), k=3)


def test_every_score_ranks_a_question_near_an_intent_above_one_far_from_all(space):
    oos.fit_mahalanobis(space)
    oos.fit_standardisation(space, space.memory)
    near = unit64(np.eye(8)[0] + 0.05 * np.eye(8)[2])[None]
    far = unit64(np.eye(8)[5] + np.eye(8)[6])[None]
    for method, score in oos.scores(space, np.vstack([near, far])).items():
        assert score[0] > score[1], method


def test_knn_is_the_mean_similarity_of_the_k_nearest_examples(space):
    x = unit64(np.eye(8)[0])[None]
    sims = np.sort(space.memory @ x[0])[::-1]
    assert space.score("knn", x)[0] == pytest.approx(sims[:3].mean(), abs=1e-6)
    space.k = 1
    assert space.score("knn", x)[0] == pytest.approx(sims[0], abs=1e-6)


def test_energy_and_max_logit_leave_the_out_of_scope_logit_out(space):
    x = unit64(np.eye(8)[0])[None]
    z = space.logits(x)[0]
    assert space.score("max_logit", x)[0] == pytest.approx(z[0])
    assert space.score("energy", x)[0] == pytest.approx(np.log(np.exp(z[0]) + np.exp(z[1])))
    assert space.score("msp", x)[0] == pytest.approx(np.exp(z[0]) / np.exp(z).sum())


def test_threshold_declines_at_most_the_budget_of_held_out_in_scope_rows():
    scores = np.linspace(0.0, 1.0, 101)  # 101 held-out in-scope scores
    for budget in (0.0, 0.02, 0.04, 0.08):
        t = oos.choose_threshold(scores, budget)
        declined = (scores < t).sum()
        assert declined == int(np.floor(budget * 101)), budget
    # rows the head declines anyway use up the same budget
    already = np.zeros(101, bool)
    already[-3:] = True  # 3 rows already declined
    t = oos.choose_threshold(scores, 0.08, already)  # budget 8 -> 5 more
    assert (scores < t).sum() == 5
    assert oos.choose_threshold(scores, 0.02, np.ones(101, bool)) == scores.min()  # budget spent: decline no more
    with pytest.raises(ValueError):
        oos.choose_threshold(np.array([]), 0.05)


def test_the_presets_order_from_answering_more_to_declining_more():
    rng = np.random.default_rng(1)
    scores = rng.normal(size=200)
    t = [oos.choose_threshold(scores, oos.PRESETS[p]) for p in ("answers more", "balanced", "declines more")]
    assert t[0] < t[1] < t[2]


def test_the_gate_declines_far_questions_and_the_heads_own_out_of_scope_class(space):
    X = np.vstack([unit64(np.eye(8)[0])[None], unit64(np.eye(8)[5])[None], unit64(np.eye(8)[1])[None]])
    threshold = 0.5  # kNN similarity: the first and third are ~1.0, the second ~0.0
    declined = oos.declines(space, X, "knn", threshold)
    assert declined.tolist() == [False, True, False]
    space.bias = np.array([0.0, 0.0, 20.0])  # now the head's out_of_scope class wins everywhere
    assert oos.declines(space, X, "knn", threshold).all()


def test_gate_puts_out_of_scope_on_top_and_keeps_the_other_topics_in_order():
    p = np.array([[0.7, 0.2, 0.1], [0.5, 0.3, 0.2]])
    out = oos.gate(p, np.array([True, False]), oos_index=2)
    assert out[0].argmax() == 2 and out[0, 0] > out[0, 1]
    assert np.allclose(out.sum(axis=1), 1.0) and np.allclose(out[1], p[1])
    one_hot = oos.gate(np.array([[1.0, 0.0, 0.0]]), np.array([True]), 2)
    assert one_hot[0].argmax() == 2


def test_wilson_interval_is_wide_for_few_rows_and_narrow_for_many():
    lo, hi = oos.wilson(15, 16)
    assert lo < 0.75 and hi > 0.98 and hi - lo > 0.2
    lo2, hi2 = oos.wilson(950, 1000)
    assert hi2 - lo2 < 0.03 and lo2 < 0.95 < hi2
    assert oos.wilson(0, 0) == (0.0, 1.0)


def test_company_folds_are_even_and_never_take_the_only_rows_of_an_intent():
    from bankbot.company.recipe import stratified_folds

    intents = ["a"] * 10 + ["b"] * 7 + ["c"] * 2
    folds = stratified_folds(intents, 5, seed=0)
    assert (folds[-2:] == -1).all()  # "c" has 2 rows: both always train
    sizes = np.bincount(folds[folds >= 0], minlength=5)
    assert sizes.sum() == 17 and sizes.max() - sizes.min() <= 1
    for intent in ("a", "b"):  # every fold keeps training rows of every intent
        rows = np.array(intents) == intent
        assert all((folds[rows] != f).any() for f in range(5))


def test_gate_presets_are_fitted_on_company_rows_and_measured_on_unseen_topics():
    from bankbot.company.recipe import Recipe, fit_gate

    rng = np.random.default_rng(0)
    s_in, s_out = rng.normal(0.8, 0.05, 200), rng.normal(0.5, 0.1, 300)
    floor_in, floor_out = np.zeros(200, bool), np.zeros(300, bool)
    floor_in[:2] = True  # two company rows the head declines anyway
    gate = fit_gate(s_in, floor_in, s_out, floor_out, Recipe())
    p = gate["presets"]
    assert list(p) == list(oos.PRESETS) and gate["preset"] == oos.auto_preset(p)
    assert gate["threshold"] == p[gate["preset"]]["threshold"]
    for name, budget in oos.PRESETS.items():
        assert p[name]["false_decline_rate"] <= budget + 1e-9  # never more than the preset allows on its rows
        lo, hi = p[name]["decline_rate_ci95"]
        assert lo <= p[name]["decline_rate"] <= hi and p[name]["n_off_topic"] == 300
    assert p["answers more"]["decline_rate"] <= p["balanced"]["decline_rate"] <= p["declines more"]["decline_rate"]
    assert p["declines more"]["decline_rate"] > 0.9  # the far-away scores are declined
    # the off-topic scores never move a threshold: thresholds come from the company's rows only
    other = fit_gate(s_in, floor_in, s_out - 1.0, floor_out, Recipe())
    assert all(other["presets"][n]["threshold"] == p[n]["threshold"] for n in p)


def test_a_company_head_with_a_gate_declines_what_is_far_from_its_examples(space):
    from bankbot.models.model import Head, Memory, head_proba

    labels = ["a", "b", "out_of_scope"]
    info = {"oos": {"method": "knn", "k": 3, "preset": "balanced", "threshold": 0.5}}
    memory = Memory(space.memory, space.targets, k=3, weight=0.0)
    X = np.vstack([unit64(np.eye(8)[0])[None], unit64(np.eye(8)[5] + 0.2 * np.eye(8)[0])[None]])
    bias = np.zeros(3)  # the head's own out_of_scope class never wins here
    plain = head_proba(Head(space.weight, bias, labels, {}, memory), X)
    gated = head_proba(Head(space.weight, bias, labels, info, memory), X)
    assert plain.argmax(axis=1).tolist() == [0, 0]  # the softmax alone answers the far question with "a"
    assert gated.argmax(axis=1).tolist() == [0, 2] and np.allclose(gated[0], plain[0])


# --- Northwind's distance gate (array-level scores) ---


def test_nearest_similarity_is_the_cosine_to_the_closest_rows():
    bank = unit([[1, 0, 0], [0, 1, 0], [0.8, 0.6, 0]])
    q = unit([[1, 0, 0], [0, 0, 1]])
    assert oos.nearest_similarity(q, bank, k=1) == pytest.approx([1.0, 0.0], abs=1e-6)
    assert oos.nearest_similarity(q, bank, k=2) == pytest.approx([0.9, 0.0], abs=1e-6)
    assert oos.nearest_similarity(q, bank, k=2, chunk=1) == pytest.approx(oos.nearest_similarity(q, bank, k=2))


def test_mahalanobis_matches_the_formula_and_ranks_a_far_point_lowest():
    rng = np.random.default_rng(0)
    a = rng.normal([0, 0], [1.0, 0.1], size=(200, 2))
    b = rng.normal([5, 5], [1.0, 0.1], size=(200, 2))
    x, y = np.vstack([a, b]), np.array([0] * 200 + [1] * 200)
    scorer = oos.MahalanobisScorer(x, y, shrinkage=0.0)
    q = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    s = scorer.score(q)
    # off the narrow axis (y) is much further than along the wide one (x), though both are 1 away
    assert s[0] > s[2] > s[1]
    d = q[:, None, :] - scorer.means[None]
    brute = -np.einsum("nci,ij,ncj->nc", d, scorer.precision, d).min(axis=1)
    assert s == pytest.approx(brute, rel=1e-4, abs=1e-4)


def test_max_logit_and_energy_ignore_the_out_of_scope_column():
    logits = np.array([[2.0, 1.0, 9.0], [0.0, 0.0, -1.0]])
    in_scope = np.array([True, True, False])
    assert oos.max_logit(logits, in_scope) == pytest.approx([2.0, 0.0])
    assert oos.neg_energy(logits, in_scope) == pytest.approx(np.log(np.exp([[2, 1], [0, 0]]).sum(axis=1)))
    assert (oos.neg_energy(logits, in_scope) >= oos.max_logit(logits, in_scope)).all()


def test_the_cut_declines_the_stated_share_of_in_scope_rows():
    scores = np.arange(1000, dtype=float)
    assert oos.threshold_at(scores, 0.0) == float("-inf")
    cut = oos.threshold_at(scores, 0.01)
    assert (scores < cut).mean() == pytest.approx(0.01, abs=0.002)


def test_a_certain_gate_sends_low_rows_to_out_of_scope_and_keeps_the_rest():
    probs = np.array([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1]])
    out = oos.gate(probs, np.array([0.1, 0.9]) < 0.5, oos_index=2, top=1.0)
    assert out[0].tolist() == [0.0, 0.0, 1.0] and out[1].tolist() == probs[1].tolist()
    per_row = oos.gate(probs, np.array([0.1, 0.9]) < np.array([0.0, 1.0]), oos_index=2, top=1.0)
    assert per_row[0].tolist() == probs[0].tolist() and per_row[1].tolist() == [0.0, 0.0, 1.0]
    assert probs[0].tolist() == [0.7, 0.2, 0.1]  # the input is not changed


def test_the_model_gate_declines_what_is_far_from_every_in_scope_sentence():
    from bankbot.models.model import Head, IntentModel, Memory

    labels = ["card_arrival", "change_pin", "out_of_scope"]
    memory = Memory(unit([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0, 1]]), np.array([0, 0, 1, 2]), k=2, weight=0.0)
    head = Head(np.eye(3, dtype=np.float32) * 5, np.zeros(3, np.float32), labels, {}, memory)
    model = IntentModel(encoder=None, head=head)
    near, far = unit([[1, 0.05, 0]]), unit([[0.1, 0.1, 1]])  # far sits on the out_of_scope row only
    before = model.proba_from_vectors(np.vstack([near, far]))
    model.use_gate(0.5)
    after = model.proba_from_vectors(np.vstack([near, far]))
    assert after[0].tolist() == before[0].tolist()
    assert after[1].tolist() == [0.0, 0.0, 1.0]
    model.use_gate(0.0)
    assert model.proba_from_vectors(far).tolist() == before[1:].tolist()


def test_the_distance_gate_lets_a_confident_head_through_only_between_its_two_cuts():
    # columns: two in-scope intents, then out_of_scope; the out_of_scope probability never counts as confidence
    probs = np.array([[0.8, 0.1, 0.1], [0.8, 0.1, 0.1], [0.4, 0.3, 0.3], [0.8, 0.1, 0.1], [0.05, 0.05, 0.9]])
    similarity = np.array([0.50, 0.45, 0.45, 0.40, 0.45])  # above the cut; in the band (x3); below the low cut
    plain = oos.distance_declines(similarity, probs, 2, cut=0.47, low=None, confident=0.5)
    assert plain.tolist() == [False, True, True, True, True]
    two = oos.distance_declines(similarity, probs, 2, cut=0.47, low=0.43, confident=0.5)
    assert two.tolist() == [False, False, True, True, True]  # only the confident in-band row passes
    per_row = oos.distance_declines(similarity, probs, 2, np.full(5, 0.47), np.array([0.43, 0.46, 0, 0, 0]), 0.5)
    assert per_row.tolist() == [False, True, True, False, True]  # cuts may be one per row (northwind_oos.py)


def test_the_model_gate_passes_a_near_miss_the_head_is_sure_of():
    from bankbot.models.model import Head, IntentModel, Memory

    labels = ["card_arrival", "change_pin", "out_of_scope"]
    memory = Memory(unit([[1, 0, 0], [0, 0, 1]]), np.array([0, 2]), k=1, weight=0.0)  # one in-scope sentence
    head = Head(np.eye(3, dtype=np.float32) * 5, np.zeros(3, np.float32), labels, {}, memory)
    model = IntentModel(encoder=None, head=head)
    near_miss = unit([[1, 0.3, 0.2]])  # cosine ~0.94 to card_arrival's row, the head sure of card_arrival
    model.use_gate(0.97)
    assert model.proba_from_vectors(near_miss)[0].tolist() == [0.0, 0.0, 1.0]
    model.use_gate(0.97, 0.9, 0.5)
    assert model.proba_from_vectors(near_miss)[0].argmax() == 0
    model.use_gate(0.97, 0.95, 0.5)  # below the lower cut: declined whatever the head says
    assert model.proba_from_vectors(near_miss)[0].tolist() == [0.0, 0.0, 1.0]


def test_the_shipped_gate_has_its_lower_cut_below_the_cut_and_the_floor_as_confidence():
    from bankbot.model_spec import CONFIDENCE_FLOOR, LOW_SIMILARITY, MIN_SIMILARITY
    from bankbot.models.model import get_model

    assert 0 < LOW_SIMILARITY < MIN_SIMILARITY
    english = get_model().english
    assert (english.min_similarity, english.low_similarity, english.confident) == (
        MIN_SIMILARITY,
        LOW_SIMILARITY,
        CONFIDENCE_FLOOR,
    )


# --- the combined score and moving thresholds to the shipped space ---


def test_energy_plus_knn_is_the_mean_of_the_two_scores_on_one_scale(space):
    rng = np.random.default_rng(3)
    unseen = unit64(rng.normal(size=(50, 8)))  # topics the bot never trained on
    oos.fit_standardisation(space, unseen)
    (mu_e, sd_e), (mu_k, sd_k) = space.standardisation["energy"], space.standardisation["knn"]
    assert mu_e == pytest.approx(space.score("energy", unseen).mean()) and sd_k > 0
    X = np.vstack([unit64(np.eye(8)[0])[None], unit64(np.eye(8)[6])[None]])
    expected = ((space.score("energy", X) - mu_e) / sd_e + (space.score("knn", X) - mu_k) / sd_k) / 2
    assert space.score("energy+knn", X) == pytest.approx(expected)
    assert space.score("energy+knn", X)[0] > space.score("energy+knn", X)[1]
    with pytest.raises(ValueError):
        oos.Space(space.weight, space.bias, 2, space.memory, space.targets).score("energy+knn", X)


def test_rows_declined_anyway_do_not_count_twice_against_the_budget():
    scores = np.arange(100, dtype=float)
    already = np.zeros(100, bool)
    already[:3] = True  # the three lowest are declined by the head anyway
    t = oos.choose_threshold(scores, 0.05, already)
    assert ((scores < t) | already).sum() == 5  # five in all, not 5 - 3 = 2


def test_carry_over_moves_each_threshold_to_the_same_share_of_unseen_topics(space):
    from bankbot.company.recipe import carry_over

    rng = np.random.default_rng(4)
    unseen_check = unit64(rng.normal(size=(200, 8)))
    final = oos.Space(space.weight * 1.5, space.bias, 2, space.memory, space.targets, k=3)  # a sharper head
    unseen_final = unit64(rng.normal(size=(200, 8)))
    s_check = space.score("energy", unseen_check)
    presets = {
        name: {"threshold": float(np.quantile(s_check, q)), "decline_rate": q, "false_decline_rate": 0.01}
        for name, q in (("answers more", 0.5), ("balanced", 0.7), ("declines more", 0.9))
    }
    gate = {"method": "energy", "k": 3, "preset": "balanced", "threshold": presets["balanced"]["threshold"]}
    moved = carry_over(gate | {"presets": presets}, space, unseen_check, final, unseen_final)
    s_final = final.score("energy", unseen_final)
    for name, p in moved["presets"].items():
        share = (s_check < presets[name]["threshold"]).mean()
        assert (s_final < p["threshold"]).mean() == pytest.approx(share, abs=0.006)
        assert p["decline_rate"] == presets[name]["decline_rate"]  # the estimate stays the checked one
        assert p["checked_threshold"] == presets[name]["threshold"]
    assert moved["threshold"] == moved["presets"]["balanced"]["threshold"] != gate["threshold"]


def test_the_bot_picks_the_preset_that_answers_most_among_those_declining_enough():
    def presets(*rates):
        return {name: {"decline_rate": r} for name, r in zip(oos.PRESETS, rates, strict=True)}

    target = oos.AUTO_DECLINE_TARGET
    assert oos.auto_preset(presets(target, 0.99, 1.0)) == "answers more"
    assert oos.auto_preset(presets(target - 0.01, target, 1.0)) == "balanced"
    assert oos.auto_preset(presets(0.80, 0.90, target)) == "declines more"
    assert oos.auto_preset(presets(0.50, 0.60, 0.70)) == "declines more"  # none is enough: the strictest


def test_intent_offsets_lower_the_cut_of_an_intent_whose_own_questions_sit_far_from_the_memory():
    """Intent 0's in-scope rows sit at 0.4, intent 1's at 0.6: the offsets move each cut by its intent's distance
    from the overall median, shrunk by the prior (more rows: closer to the full gap); a label without rows keeps 0."""
    similarity = np.array([0.4] * 20 + [0.6] * 20)
    top = np.array([0] * 20 + [1] * 20)
    offsets = oos.intent_offsets(similarity, top, n_labels=3, prior=20.0)
    assert offsets[0] == pytest.approx(-0.05) and offsets[1] == pytest.approx(0.05) and offsets[2] == 0.0
    no_prior = oos.intent_offsets(similarity, top, n_labels=3, prior=0.0)
    assert no_prior[:2] == pytest.approx([-0.1, 0.1])


def test_top_in_scope_never_picks_the_out_of_scope_class():
    probs = np.array([[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]])
    assert oos.top_in_scope(probs, oos_index=2).tolist() == [1, 0]


def test_the_model_gate_judges_a_message_against_its_top_intents_own_cut():
    from bankbot.models.model import Head, IntentModel, Memory

    labels = ["card_arrival", "change_pin", "out_of_scope"]
    memory = Memory(unit([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), np.array([0, 1, 2]), k=1, weight=0.0)
    head = Head(np.eye(3, dtype=np.float32) * 5, np.zeros(3, np.float32), labels, {}, memory)
    model = IntentModel(encoder=None, head=head)
    x = unit([[1, 0.6, 0], [0.6, 1, 0]])  # mean cosine 0.686 to the two in-scope rows, each its own top intent
    model.use_gate(0.7)
    assert model.proba_from_vectors(x)[:, 2].tolist() == [1.0, 1.0]  # one cut: both declined
    model.intent_offsets = np.array([-0.1, 0.0, 0.0])  # card_arrival's questions sit further out
    out = model.proba_from_vectors(x)
    assert out[0].argmax() == 0 and out[1].tolist() == [0.0, 0.0, 1.0]


def test_the_distance_gate_lets_a_sure_request_for_staff_through_at_any_distance():
    # columns: talk_to_human, another in-scope intent, out_of_scope; every row is below both cuts
    probs = np.array([[0.7, 0.2, 0.1], [0.5, 0.2, 0.3], [0.2, 0.7, 0.1], [0.3, 0.1, 0.6]])
    similarity = np.full(4, 0.30)
    assert oos.distance_declines(similarity, probs, 2, 0.47, 0.43, 0.5).all()
    bypass = oos.distance_declines(similarity, probs, 2, 0.47, 0.43, 0.5, handoff=(0, 0.6))
    assert bypass.tolist() == [False, True, True, True]  # only a hand-over the head is at least 0.6 sure of


def test_the_model_gate_applies_its_handoff_bypass_only_when_set():
    from bankbot.models.model import Head, IntentModel, Memory

    labels = ["talk_to_human", "change_pin", "out_of_scope"]
    memory = Memory(unit([[0, 1, 0], [0, 0, 1]]), np.array([1, 2]), k=1, weight=0.0)  # far from talk_to_human
    head = Head(np.eye(3, dtype=np.float32) * 5, np.zeros(3, np.float32), labels, {}, memory)
    model = IntentModel(encoder=None, head=head)
    staff = unit([[1, 0.1, 0.1]])
    model.use_gate(0.9, 0.8, 0.5)
    assert model.proba_from_vectors(staff)[0].tolist() == [0.0, 0.0, 1.0]
    model.handoff = 0.6
    assert model.proba_from_vectors(staff)[0].argmax() == 0


def test_gate_cuts_are_where_the_gate_and_lower_shares_of_in_scope_rows_fall():
    similarity = np.linspace(0.0, 1.0, 1001)
    cut, low = oos.gate_cuts(similarity)
    assert cut == pytest.approx(oos.GATE_SHARE) and low == pytest.approx(oos.GATE_LOW_SHARE)
    assert (similarity < cut).mean() == pytest.approx(oos.GATE_SHARE, abs=1e-3) and low < cut
    assert oos.gate_cuts(similarity, None) == (cut, None)
