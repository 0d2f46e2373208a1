import pytest

from comparisons.verdicts import CommunityFigure, PanelVerdict


def test_all_ship_is_a_ship_with_full_panel_ship_percent():
    panel = PanelVerdict(ships=4, skips=0, average=79.75)
    assert panel.label == "Ship"
    assert panel.ship_percent == 100
    assert panel.average_score == 80
    assert panel.summary == "Ship · 4 ship / 0 skip"


def test_all_skip_is_a_skip_with_no_panel_ship():
    panel = PanelVerdict(ships=0, skips=4, average=31.0)
    assert panel.label == "Skip"
    assert panel.ship_percent == 0
    assert panel.summary == "Skip · 0 ship / 4 skip"


def test_a_two_two_tie_is_a_split():
    panel = PanelVerdict(ships=2, skips=2, average=60.0)
    assert panel.label == "Split"
    assert panel.ship_percent == 50


def test_missing_reviews_count_only_the_reviews_given():
    panel = PanelVerdict(ships=2, skips=1, average=70.0)
    assert panel.label == "Ship"
    assert panel.reviews == 3
    assert panel.ship_percent == 67


def test_no_reviews_is_no_verdict_rather_than_a_split():
    panel = PanelVerdict(ships=0, skips=0, average=None)
    assert panel.verdict is None
    assert panel.label == "No verdict yet"
    assert panel.ship_percent is None
    assert panel.average_score is None


@pytest.mark.parametrize(
    ("ships", "skips", "label"),
    [
        (0, 0, "No community votes yet"),
        (1, 0, "1 vote so far"),
        (2, 2, "4 votes so far"),
        (4, 1, "80% ship · 5 votes"),
        (8, 3, "73% ship · 11 votes"),
    ],
)
def test_community_figure_hides_the_percentage_below_the_threshold(ships, skips, label):
    assert CommunityFigure(ships, skips, threshold=5).label == label


def test_community_threshold_is_a_setting_not_a_constant():
    assert CommunityFigure(2, 1, threshold=3).label == "67% ship · 3 votes"
