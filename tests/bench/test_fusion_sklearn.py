"""The fusion models inside scikit-learn's tools: a ``Modalities`` X goes through
cross_val_score, GridSearchCV and train_test_split; a plain dict cannot (sklearn counts and
indexes X by rows before the estimator sees it), which the docs say."""
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split

from affectkit.core.errors import InputError
from affectkit.bench.fusion_models import FUSION_MODELS, Modalities

rng = np.random.default_rng(0)
TEXT = rng.normal(size=(120, 8)).astype("float32")
AUDIO = rng.normal(size=(120, 3, 4)).astype("float32")
Y = (TEXT[:, 0] > 0).astype(int)


def test_modalities_index_every_modality_by_rows():
    m = Modalities(text=TEXT, audio=AUDIO)
    assert m.shape == (120,) and len(m) == 2 and list(m) == ["text", "audio"]
    rows = m[np.array([3, 5])]
    assert isinstance(rows, Modalities) and rows.shape == (2,) and rows["audio"].shape == (2, 3, 4)
    assert np.array_equal(rows["text"], TEXT[[3, 5]]) and m[(slice(0, 10), Ellipsis)].shape == (10,)
    assert m[Y == 1].shape == (int(Y.sum()),)
    with pytest.raises(InputError, match="disagree"):
        Modalities(text=TEXT, audio=AUDIO[:5])
    with pytest.raises(InputError, match="at least one"):
        Modalities()


def test_cross_val_score_and_grid_search_run_on_modalities():
    late = FUSION_MODELS.get("late")
    scores = cross_val_score(late(max_epochs=40, validation_fraction=0.0), Modalities(text=TEXT, audio=AUDIO), Y, cv=3)
    assert len(scores) == 3 and scores.mean() > 0.7        # the signal is in text[:, 0]; chance is 0.5
    grid = GridSearchCV(late(max_epochs=3), {"hidden": [8, 16]}, cv=2).fit(Modalities(text=TEXT), Y)
    assert grid.best_params_["hidden"] in (8, 16) and grid.predict(Modalities(text=TEXT[:7])).shape == (7,)
    a, b, ya, yb = train_test_split(Modalities(text=TEXT), Y, test_size=0.25, random_state=0)
    assert a.shape == (90,) and b.shape == (30,) and len(ya) == 90


def test_a_plain_dict_is_refused_by_sklearn_not_silently_misread():
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        cross_val_score(FUSION_MODELS.get("late")(max_epochs=1), {"text": TEXT}, Y, cv=3)
