"""The shipped named-entity tagger through the API and the command line: numpy only, no torch."""

import io
import json
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

import zhtagger
from zhtagger.cli import main

TEXT = "江泽民在北京会见了联合国秘书长"


def test_ner_finds_people_places_and_organisations():
    assert zhtagger.ner(TEXT) == [("江泽民", "PER", 0, 3), ("北京", "LOC", 4, 6), ("联合国", "ORG", 9, 12)]
    texts = [TEXT, "", "新华社记者王小明报道。", "  \n"]
    assert zhtagger.ner_batch(texts) == [zhtagger.ner(text) for text in texts]
    tagger = zhtagger.load("ner")
    assert "".join(piece for piece, _ in tagger.tag(TEXT)) == TEXT


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from("北京上海李明王在的新华社联合国 \n，。abc123\u3000\U00020000"), max_size=60))
def test_entity_offsets_always_index_the_input(text):
    for entity, kind, start, end in zhtagger.ner(text):
        assert text[start:end] == entity and kind in ("PER", "LOC", "ORG") and start < end


def test_a_long_text_is_tagged_whole():
    text = "李明在清华大学读书。" * 300
    found = zhtagger.ner(text)
    assert all(text[a:b] == e for e, _, a, b in found) and len(found) >= 600


def test_command_line_formats(capsys, monkeypatch, tmp_path):
    assert main(["ner", "--text", TEXT]) == 0
    assert json.loads(capsys.readouterr().out)["entities"][1] == {"text": "北京", "type": "LOC", "start": 4, "end": 6}
    assert main(["ner", "--text", TEXT, "--format", "inline"]) == 0
    assert capsys.readouterr().out == "[江泽民]PER在[北京]LOC会见了[联合国]ORG秘书长\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(f"{TEXT}\n\n北京".encode()), encoding="utf-8"))
    assert main(["ner", "--format", "conll"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("江\tB-PER\n泽\tI-PER\n民\tE-PER\n在\tO\n") and out.endswith("\n\n北\tB-LOC\n京\tE-LOC\n\n")
    missing = tmp_path / "missing.txt"
    assert main(["ner", str(missing), "-o", str(tmp_path / "out.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err and not (tmp_path / "out.jsonl").exists()


def test_the_command_line_tags_without_torch():
    code = ("import sys\nfrom zhtagger.cli import main\nmain(['ner', '--text', '李明在北京', '--format', 'inline'])\n"
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == ["[李明]PER在[北京]LOC", "False"]
