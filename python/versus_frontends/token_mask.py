"""The token mask of a sequence network: which positions of a batch hold real tokens (id 0 is
padding, nets/network.h). Attention and mean pooling read it; the token embedding computes it, and
only when one of them follows: the other token networks (the LSTMs) would pay an element-wise op in
every timed step for nothing."""

MASKED_LAYERS = ("multi_head_attention", "mean_pool")


def needs_token_mask(layers):
    return any(layer["type"] in MASKED_LAYERS
               or needs_token_mask(layer.get("body", []) + layer.get("shortcut", [])) for layer in layers)


class TokenMask:
    """Set by the embedding in each forward, read by the layers below it in the same forward: how a
    model's forward(ids) hands its padding mask along, in a Sequential of single-tensor layers."""
    real = None
