"""Options in an order that does not give the answer away: every course bank lists the right option first
(readable YAML), so each learner sees the options, steps and terms in their own stable shuffle, seeded by
tpmkit.learner.learner_id()."""

from __future__ import annotations

import pytest
import yaml

from tests.support import ROOT
from tpmkit import learner, progress
from tpmkit.quiz import Matching, Ordering, load_quiz, read_bank

BANKS = sorted((ROOT / "course").glob("*.quiz.yaml"))
LEARNERS = [f"learner-{n}" for n in range(1, 9)]


def is_choice(spec: dict) -> bool:
    return spec["type"] in ("single", "multiple") or (spec["type"] == "predict" and "options" in spec)


def shown_options(question) -> list[str]:
    """The options in the order this learner sees them on screen."""
    if question.spec["type"] == "multiple":
        return [box.description for box in question.boxes]
    return list(question.choices.options)


def right_positions(question) -> frozenset[int]:
    right = {o["text"] for o in question.spec["options"] if o.get("correct")}
    return frozenset(i for i, text in enumerate(shown_options(question)) if text in right)


def renders(monkeypatch, who: str) -> dict:
    """Every choice question of every bank as `who` sees it: (bank, id) -> the widget."""
    monkeypatch.setenv(learner.ENV_LEARNER, who)
    return {(path.name, q.id): q for path in BANKS for q in load_quiz(path) if is_choice(q.spec)}


def test_the_banks_list_the_right_option_first():
    """Why the shuffle matters: in YAML the answer is always on top (and stays there, for readers)."""
    for path in BANKS:
        for spec in read_bank(path):
            if is_choice(spec):
                flags = [bool(o.get("correct")) for o in spec["options"]]
                assert flags == sorted(flags, reverse=True), f"{path.name}:{spec['id']}"


def test_the_right_option_is_not_in_one_place_for_every_learner(monkeypatch):
    seen = {who: renders(monkeypatch, who) for who in LEARNERS}
    keys = list(seen[LEARNERS[0]])
    assert len(keys) >= 70, "expected every single, multiple and predict-with-options question"
    stuck = []
    for key in keys:
        # single/predict: the index of the right option; multiple: the set of indexes of the true ones
        places = {right_positions(seen[who][key]) for who in LEARNERS}
        if len(places) < 2:
            stuck.append(f"{key[0]}:{key[1]} always at {sorted(next(iter(places)))}")
    assert not stuck, "the right answer sits in the same place for every learner:\n" + "\n".join(stuck)
    # and "first" is not the rule any more: across all learners and questions, top is right far less often
    tops = sum(0 in right_positions(seen[who][key]) for who in LEARNERS for key in keys
               if seen[who][key].spec["type"] != "multiple")
    singles = sum(seen[LEARNERS[0]][key].spec["type"] != "multiple" for key in keys) * len(LEARNERS)
    assert tops < singles / 2


def test_one_learner_sees_the_same_order_on_every_render(monkeypatch):
    first = {key: shown_options(q) for key, q in renders(monkeypatch, "learner-3").items()}
    again = {key: shown_options(q) for key, q in renders(monkeypatch, "learner-3").items()}
    assert first == again
    for (bank, qid), texts in first.items():
        spec = next(s for s in read_bank(ROOT / "course" / bank) if s["id"] == qid)
        assert sorted(texts) == sorted(o["text"] for o in spec["options"])  # every option, once


def test_the_shuffle_does_not_change_what_is_judged(monkeypatch):
    monkeypatch.setenv(learner.ENV_LEARNER, "learner-5")
    path = ROOT / "course" / "07-slos.quiz.yaml"
    q = load_quiz(path)["exhaust-14x"]
    q.choices.value = "About 2 hours"
    q.submit.click()
    assert q.correct is False
    q.choices.value = "About 2.08 days (50 hours)"
    q.submit.click()
    assert q.correct is True
    assert read_bank(path)[4]["options"][0]["correct"] is True  # the YAML keeps its readable order


def ordering_and_matching(bank: str, qid: str):
    return load_quiz(ROOT / "course" / bank)[qid]


@pytest.mark.parametrize(("bank", "qid"), [("02-pull-requests.quiz.yaml", "pr-life"),
                                           ("03-deployments.quiz.yaml", "release-strategies")])
def test_steps_and_terms_use_the_learner_seed_too(monkeypatch, bank, qid):
    def order(who):
        monkeypatch.setenv(learner.ENV_LEARNER, who)
        q = ordering_and_matching(bank, qid)
        return tuple(q.value) if isinstance(q, Ordering) else tuple(q.dropdowns)

    orders = {who: order(who) for who in LEARNERS}
    assert len(set(orders.values())) > 1
    assert order("learner-2") == orders["learner-2"]
    q = ordering_and_matching(bank, qid)
    if isinstance(q, Ordering):  # a Parsons problem still never starts solved, for anyone
        key = tuple(item["text"] for item in q.spec["items"])
        assert key not in orders.values()
    else:
        assert isinstance(q, Matching)


# --- the learner id --------------------------------------------------------------------------------

def test_the_environment_variable_wins(monkeypatch, progress_file):
    monkeypatch.setenv(learner.ENV_LEARNER, "  sam  ")
    assert learner.learner_id() == "sam"
    assert not (progress_file.parent / learner.FILE_NAME).exists()  # nothing written when it is given


def test_a_random_id_is_made_once_beside_the_progress_file(monkeypatch, progress_file):
    monkeypatch.delenv(learner.ENV_LEARNER, raising=False)
    kept = progress_file.parent / learner.FILE_NAME
    assert not kept.exists()
    first = learner.learner_id()
    assert kept.read_text().strip() == first and len(first) >= 16
    assert learner.learner_id() == first  # read back, not made again
    # two learners (two progress folders) get two ids
    other = progress_file.parent / "other" / "progress.sqlite"
    monkeypatch.setenv(progress.ENV_PATH, str(other))
    assert learner.learner_id() != first


def test_without_the_variable_orders_are_stable_across_renders(monkeypatch, progress_file):
    monkeypatch.delenv(learner.ENV_LEARNER, raising=False)
    path = ROOT / "course" / "05-metrics.quiz.yaml"
    before = [shown_options(q) for q in load_quiz(path) if is_choice(q.spec)]
    after = [shown_options(q) for q in load_quiz(path) if is_choice(q.spec)]
    assert before == after


def test_an_emptied_file_gets_a_new_id(monkeypatch, progress_file):
    monkeypatch.delenv(learner.ENV_LEARNER, raising=False)
    kept = progress_file.parent / learner.FILE_NAME
    kept.write_text("\n")
    made = learner.learner_id()
    assert made and kept.read_text().strip() == made


def test_an_unusable_location_falls_back_to_the_login(monkeypatch, tmp_path):
    monkeypatch.delenv(learner.ENV_LEARNER, raising=False)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(progress.ENV_PATH, str(blocker / "progress.sqlite"))  # its folder cannot be made
    monkeypatch.setattr(learner.getpass, "getuser", lambda: "maya")
    first = learner.learner_id()
    assert first.startswith("user-") and learner.learner_id() == first
    monkeypatch.setattr(learner.getpass, "getuser", lambda: "alex")
    assert learner.learner_id() != first  # the login decides, so different people differ


def test_a_file_that_is_not_text_falls_back_to_the_login(monkeypatch, progress_file):
    monkeypatch.delenv(learner.ENV_LEARNER, raising=False)
    (progress_file.parent / learner.FILE_NAME).write_bytes(b"\xff\xfe\x00garbage")
    assert learner.learner_id().startswith("user-")


def test_no_login_name_still_gives_an_id(monkeypatch):
    monkeypatch.delenv(learner.ENV_LEARNER, raising=False)
    monkeypatch.setenv(progress.ENV_GRADING, "1")

    def nobody():
        raise OSError("No username set in the environment")

    monkeypatch.setattr(learner.getpass, "getuser", nobody)
    assert learner.learner_id().startswith("user-")


def test_under_the_grader_nothing_is_written(monkeypatch, progress_file):
    monkeypatch.delenv(learner.ENV_LEARNER, raising=False)
    monkeypatch.setenv(progress.ENV_GRADING, "1")
    assert learner.learner_id().startswith("user-")
    assert not (progress_file.parent / learner.FILE_NAME).exists()


def test_the_id_is_only_a_seed_and_the_yaml_is_untouched(monkeypatch):
    monkeypatch.setenv(learner.ENV_LEARNER, "learner-1")
    path = ROOT / "course" / "00-start-here.quiz.yaml"
    before = path.read_text(encoding="utf-8")
    load_quiz(path)
    assert path.read_text(encoding="utf-8") == before
    assert yaml.safe_load(before)[0]["options"][0]["correct"] is True
