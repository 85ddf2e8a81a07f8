import pytest
import torch

from affectkit.recognize.text_net import LoRALinear, contextual_pairs, format_pair


def test_lora_merge_gives_the_same_outputs():
    torch.manual_seed(0)
    layer = LoRALinear(torch.nn.Linear(8, 5), rank=2, alpha=4.0)
    torch.nn.init.normal_(layer.lora_b)
    x = torch.randn(3, 8)
    before = layer(x).detach()
    assert not torch.allclose(before, layer.base(x))
    layer.merge()
    layer.eval()
    with torch.no_grad():
        torch.testing.assert_close(layer(x), before, atol=1e-5, rtol=1e-5)
    layer.train()
    with pytest.raises(RuntimeError, match="merged"):
        layer(x)


def test_context_is_earlier_lines_of_the_same_dialogue_most_recent_first():
    pairs = contextual_pairs(["a", "b", "c", "d", "e"], ["X", "Y", "X", "X", "Y"], ["1", "1", "2", "1", None],
                             max_context=3)
    assert pairs[0] == ("a", "")
    assert pairs[1] == ("b", "B: a")
    assert pairs[2] == ("c", "")            # a new dialogue
    assert pairs[3] == ("d", "B: b | A: a")  # A: same speaker as d, B: another
    assert pairs[4] == ("e", "")            # no dialogue id: no context
    assert contextual_pairs(["x", "y"]) == [("x", ""), ("y", "")]
    assert format_pair("t", "S", [(None, str(i)) for i in range(5)], max_context=2) == ("t", "B: 4 | B: 3")
