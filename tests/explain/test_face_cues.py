"""The face's reading in words."""
from affectkit.explain.explanation import explain_utterance
from affectkit.explain.face_cues import face_phrases
from affectkit.recognize.fusion import fuse

LABELS = ["anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"]


def reading(top: str, p: float, **cues):
    rest = (1 - p) / 6
    scores = {l: (p if l == top else rest) for l in LABELS}
    base = {"frames": 10, "face_width_rel": 0.3, "faces_in_view": 1.0, "expression_change": 0.05}
    return {"label": top, "scores": scores, "cues": {**base, **cues}, "face_seen": cues.pop("seen", 1.0)}


def test_a_clear_expression_is_named_with_its_probability():
    assert face_phrases(reading("joy", 0.89)) == ["smiling (p 0.89)"]
    assert face_phrases(reading("anger", 0.6)) == ["frowning (p 0.60)"]


def test_unsure_or_neutral_faces_name_no_expression():
    assert face_phrases(reading("joy", 0.4)) == []
    assert face_phrases(reading("neutral", 0.9)) == []
    assert face_phrases(None) == [] and face_phrases({}) == []


def test_change_visibility_and_crowd():
    r = reading("sadness", 0.7, expression_change=0.4, faces_in_view=2.0)
    r["face_seen"] = 0.5
    assert face_phrases(r) == ["downcast (p 0.70)", "expression changing", "face seen in 50% of the frames",
                               "several faces in view"]


def test_the_explanation_says_the_face_cue():
    face = reading("joy", 0.9)
    fused = fuse({"face": face["scores"]})
    assert explain_utterance(fused, {"face": face_phrases(face)}) == "face (joy): smiling (p 0.90)"


def test_geometry_is_said_when_it_passes_the_neutral_limits():
    from affectkit.explain.face_cues import geometry_phrases

    calm = {"mouth_open": 0.01, "mouth_width": 0.5, "smile": 0.0, "brow_raise": 0.2, "eye_open": 0.33,
            "yaw": 3.0, "pitch": -4.0, "roll": 2.0, "landmarks_found": 1.0}
    assert geometry_phrases(calm) == [] and geometry_phrases(None) == []
    surprised = calm | {"mouth_open": 0.3, "brow_raise": 0.35, "eye_open": 0.5}
    assert geometry_phrases(surprised) == ["mouth open (0.30)", "brows raised (0.35)", "eyes wide (0.50)"]
    beaming = calm | {"mouth_width": 0.72, "smile": 0.06}
    assert geometry_phrases(beaming) == ["smile shape (mouth width 0.72, corners up 0.06)"]
    away = calm | {"yaw": -40.0, "pitch": 25.0, "roll": -18.0, "eye_open": 0.2}
    assert geometry_phrases(away) == ["eyes narrowed (0.20)", "head turned 40 deg", "head tilted up 25 deg",
                                      "head leaning 18 deg"]
    r = reading("joy", 0.9, geometry=beaming)
    assert face_phrases(r) == ["smiling (p 0.90)", "smile shape (mouth width 0.72, corners up 0.06)"]
