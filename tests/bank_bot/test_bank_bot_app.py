"""The real app (real MiniLM from the installed wheel + the shipped head) through gradio_client and a browser."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

from harness import launched, load_app

CARD = "4111 1111 1111 1111"


@pytest.fixture(scope="module")
def app():
    return load_app("bank_bot")


@pytest.fixture(scope="module")
def server(app):
    with launched(app.build_demo()) as url:
        yield url


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server, verbose=False)


def text_of(message) -> str:
    if isinstance(message, dict):
        content = message.get("content", "")
        if isinstance(content, list):
            return " ".join(c.get("text", "") if isinstance(c, dict) else str(c) for c in content)
        return str(content)
    return str(message)


def test_shipped_files_match_the_pins_and_every_intent_has_an_answer(app):
    from bankbot.conversation.policy import answer_table
    from bankbot.model_spec import HEAD_FILE, MODEL_DIR, PINNED_FILES, PINS
    from bankbot.models.model import get_model
    from shared.model_source import sha256_of

    shipped = [name for name in PINNED_FILES if (MODEL_DIR / name).exists()]
    assert HEAD_FILE in shipped and sorted(PINS) == sorted(shipped)
    for name in shipped:
        assert sha256_of(MODEL_DIR / name) == PINS[name], name
    model = get_model()
    assert len(model.labels) == 111 and "out_of_scope" in model.labels and "talk_to_human" in model.labels
    answer_table().check(model.labels)


def test_build_demo_sets_its_own_serving_limits(app):
    from shared.ui import launch_kwargs

    demo = app.build_demo()
    assert demo.serving_limits == app.LIMITS and launch_kwargs(demo)["max_file_size"] == app.LIMITS.max_file_size
    assert demo.delete_cache == app.DELETE_CACHE


@pytest.mark.slow
def test_api_lists_chat_and_predict_intent(server):
    with urllib.request.urlopen(server.rstrip("/") + "/gradio_api/info") as resp:
        info = json.load(resp)
    names = set(info["named_endpoints"])
    assert names == {"/chat", "/predict_intent", "/label_messages"}  # the tools; the screen's events are unlisted


@pytest.mark.slow
def test_predict_intent_endpoint(client):
    p = predict(client, "How do I change my PIN?")
    assert p["intent"] == "change_pin" and p["action"] == "answer"
    assert len(p["top3"]) == 3 and 0 < p["confidence"] <= 1
    assert predict(client, "What is the routing number of my account?")["intent"] == "routing"


@pytest.mark.slow
def test_chat_endpoint_answers_declines_and_hands_off(client):
    reply, label, summary = client.predict("My card still hasn't arrived", [], api_name="/respond")
    assert "business days" in text_of(reply)
    assert "Card hasn't arrived" in json.dumps(label) and "card_arrival" in summary
    reply, _, summary = client.predict("What is the meaning of life?", [], api_name="/respond")
    assert "cards" in text_of(reply) and "declined" in summary
    reply, _, summary = client.predict("I want to speak to a real person", [], api_name="/respond")
    assert "handed over" in summary


def predict(client, message: str) -> dict:
    return json.loads(client.predict(message, api_name="/predict_intent"))  # the tool answers JSON text


@pytest.mark.slow
def test_chat_tool_answers_json_and_reads_the_history(client):
    got = json.loads(client.predict("My card still hasn't arrived", [], api_name="/chat"))
    assert "business days" in got["reply"] and got["intent"] == "card_arrival" and got["action"] == "answer"
    got = json.loads(client.predict("What is the meaning of life?", None, api_name="/chat"))
    assert got["declined"] and got["reply"]
    history = [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "Hi! How can I help?"}]
    got = json.loads(client.predict("I lost my card", history, api_name="/chat"))
    assert got["intent"] == "lost_or_stolen_card", got


@pytest.mark.slow
def test_chat_endpoint_masks_card_numbers_and_handles_bad_input(client):
    reply, _, _ = client.predict(f"I lost my card {CARD}", [], api_name="/respond")
    assert "4111 1111" not in text_of(reply) and "hid the card" in text_of(reply)
    reply, _, _ = client.predict("   ", [], api_name="/respond")
    assert "Please type a question" in text_of(reply)
    reply, _, _ = client.predict("<script>alert(1)</script><b>hi</b>", [], api_name="/respond")
    assert "<script" not in text_of(reply) and "<b>" not in text_of(reply)
    reply, _, _ = client.predict("x" * 12000, [], api_name="/respond")
    assert "first 1,000 characters" in text_of(reply)


@pytest.mark.slow
def test_mcp_schema_is_served(server):
    with urllib.request.urlopen(server.rstrip("/") + "/gradio_api/mcp/schema") as resp:
        schema = json.load(resp)
    assert "predict_intent" in json.dumps(schema)
    assert not re.search(r"\b(value|parameter)_\d+", json.dumps(schema))  # unnamed components show as value_<n>


@pytest.mark.slow
def test_every_api_input_and_output_has_a_name(client):
    info = client.view_api(return_format="dict", print_info=False)
    assert {"/chat", "/predict_intent"} <= set(info["named_endpoints"])
    labels = [
        item["label"]
        for endpoint in info["named_endpoints"].values()
        for item in endpoint["parameters"] + endpoint["returns"]
    ]
    assert labels and all(label and not label.startswith(("value_", "parameter_")) for label in labels), labels


@pytest.mark.browser
def test_browser_question_shows_answer_and_topic(server, page):
    page.goto(server)
    page.get_by_placeholder("Type your banking question…").wait_for(timeout=90_000)
    box = page.locator("textarea").first  # the chat box (the developer box sits in a closed accordion)
    box.fill("How do I change my PIN?")
    box.press("Enter")
    page.get_by_text("Cards > Show PIN").first.wait_for()
    page.get_by_text("Detected topic:").first.wait_for()
    assert page.get_by_text("Change my PIN").first.is_visible()
    # markup typed by the user is shown as text, in the user's bubble and everywhere else
    box.fill("<b>boldtest</b> what is the meaning of life?")
    box.press("Enter")
    page.get_by_text("declined (not a banking question)").first.wait_for()
    page.get_by_text("<b>boldtest</b>").first.wait_for()
    box.fill("thanks <i>italictest</i>")
    box.press("Enter")
    page.get_by_text("<i>italictest</i>").first.wait_for()
    assert page.locator(".message b:has-text('boldtest')").count() == 0
    assert page.locator(".message i:has-text('italictest')").count() == 0
    assert page.get_by_text("&lt;b&gt;").count() == 0  # no double escaping on the next turn


@pytest.mark.slow
def test_predict_intent_reports_the_language_and_answers_in_it(client):
    p = predict(client, "J'ai perdu ma carte bancaire")
    assert p["language"] == "fr" and p["intent"] == "lost_or_stolen_card" and p["action"] == "answer"
    assert p["topic"] == "Carte perdue ou volée"
    assert predict(client, "How do I change my PIN?")["language"] == "en"
    from bankbot.languages.translations import translation_file

    es = json.loads(translation_file("es").read_text(encoding="utf-8"))
    reply, _, summary = client.predict("¿Qué tiempo hará mañana en Madrid?", [], api_name="/respond")
    assert text_of(reply) in es["intents"]["out_of_scope"]["answers"]
    assert "declined" in summary and "**Language:** Spanish" in summary


@pytest.mark.browser
def test_browser_french_question_gets_a_french_answer_and_italian_off_topic_an_italian_decline(server, page):
    from bankbot.languages.translations import translation_file

    fr = json.loads(translation_file("fr").read_text(encoding="utf-8"))
    it = json.loads(translation_file("it").read_text(encoding="utf-8"))
    page.goto(server)
    page.get_by_placeholder("Type your banking question…").wait_for(timeout=90_000)
    box = page.locator("textarea").first
    box.fill("Comment changer mon code PIN ?")
    box.press("Enter")
    page.get_by_text(fr["intents"]["change_pin"]["answers"][0][:60]).first.wait_for()
    page.get_by_text("Language: French").first.wait_for()
    assert page.get_by_text("Changer mon code PIN").first.is_visible()
    box.fill("Che tempo fa domani a Roma?")
    box.press("Enter")
    declines = [a[:50] for a in it["intents"]["out_of_scope"]["answers"]]
    page.locator(".message", has_text=declines[0]).or_(page.locator(".message", has_text=declines[1])).first.wait_for()
    page.get_by_text("Language: Italian").first.wait_for()


@pytest.mark.slow
def test_batch_labels_a_csv_and_charts_the_topics(client, tmp_path):
    import pandas as pd
    from gradio_client import handle_file

    src = tmp_path / "messages.csv"
    texts = ["my card still hasn't arrived", "where is my new card", "how do I change my PIN", "", "hello"]
    pd.DataFrame({"ticket": range(5), "text": texts}).to_csv(src, index=False)
    labelled, chart = client.predict(handle_file(str(src)), api_name="/label_file")  # the screen's event
    got = pd.read_csv(labelled, keep_default_na=False)
    assert got["ticket"].tolist() == list(range(5)) and got["text"].tolist() == texts
    assert got["intent"].tolist()[:3] == ["card_arrival", "card_arrival", "change_pin"]
    assert got["action"].tolist()[3] == "empty"
    assert chart["columns"] == ["topic", "messages"]
    counts = {topic: n for topic, n in chart["data"]}
    assert counts["Card hasn't arrived"] == 2 and sum(counts.values()) == 5
    tool = json.loads(client.predict(handle_file(str(src)), api_name="/label_messages"))  # the tool: JSON + a URL
    assert [r["intent"] for r in tool["labels"]][:3] == ["card_arrival", "card_arrival", "change_pin"]
    assert {t["topic"]: t["messages"] for t in tool["top_topics"]} == counts
    with urllib.request.urlopen(tool["url"], timeout=30) as resp:
        assert pd.read_csv(resp, keep_default_na=False)["ticket"].tolist() == list(range(5))


@pytest.mark.slow
def test_batch_refuses_a_csv_without_text(client, tmp_path):
    from gradio_client import handle_file

    src = tmp_path / "bad.csv"
    src.write_text("message\nhello\n", encoding="utf-8")
    with pytest.raises(Exception, match="text"):
        client.predict(handle_file(str(src)), api_name="/label_messages")
